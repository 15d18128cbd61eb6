import Foundation

/// A private PostgreSQL for `hyperfleet dev`: initialised once, started, stopped last. As root it
/// runs as the `postgres` user with its data and socket outside the working copy (PostgreSQL
/// refuses root, and a clone under /root is not readable to it).
struct DevPostgres {
    let dataRoot: String
    let port: Int
    static let binaries = "/usr/lib/postgresql/15/bin"

    var connectionString: String { "postgresql://postgres@127.0.0.1:\(port)/hyperfleet" }
    private var isRoot: Bool { getuid() == 0 }

    /// Where the data lives for this working directory (recorded in `.hyperfleet/pgdir`).
    static func dataRoot(for workingDirectory: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in workingDirectory.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return "/var/tmp/hyperfleet-dev-\(getuid())-\(String(hash, radix: 16))"
    }

    func start(fresh: Bool, log: (String) -> Void) throws {
        guard FileManager.default.isExecutableFile(atPath: "\(Self.binaries)/initdb") else {
            throw DevError("PostgreSQL 15 is not installed (\(Self.binaries)); run scripts/dev.sh, which installs it, or set DATABASE_URL")
        }
        if fresh, FileManager.default.fileExists(atPath: dataRoot) {
            try? stop()
            try FileManager.default.removeItem(atPath: dataRoot)
            log("removed previous data (\(dataRoot))")
        }
        try FileManager.default.createDirectory(atPath: dataRoot + "/socket", withIntermediateDirectories: true)
        if isRoot {
            try run("/bin/chown", ["-R", "postgres", dataRoot], asOwner: false)
        }
        if !FileManager.default.fileExists(atPath: dataRoot + "/data/PG_VERSION") {
            log("initialising PostgreSQL in \(dataRoot)/data")
            try run("\(Self.binaries)/initdb", ["-D", dataRoot + "/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"])
        }
        if FileManager.default.fileExists(atPath: dataRoot + "/data/postmaster.pid") {
            try? stop()  // left over from a run that did not stop cleanly
        }
        // The server inherits pg_ctl's output: give it no pipe to hold open (its log is server.log).
        try run("\(Self.binaries)/pg_ctl", [
            "-D", dataRoot + "/data", "-l", dataRoot + "/server.log", "-w", "-t", "60",
            "-o", "-p \(port) -k \(dataRoot)/socket -c listen_addresses=127.0.0.1", "start",
        ], detached: true)
        let exists = try output("\(Self.binaries)/psql", [
            "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "postgres", "-tAc",
            "SELECT 1 FROM pg_database WHERE datname = 'hyperfleet'",
        ])
        if !exists.contains("1") {
            try run("\(Self.binaries)/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "hyperfleet"])
        }
    }

    func stop() throws {
        guard FileManager.default.fileExists(atPath: dataRoot + "/data/postmaster.pid") else { return }
        try run("\(Self.binaries)/pg_ctl", ["-D", dataRoot + "/data", "-m", "fast", "-w", "stop"])
    }

    private func command(_ executable: String, _ arguments: [String], asOwner: Bool) -> (String, [String]) {
        isRoot && asOwner ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) : (executable, arguments)
    }

    private func run(_ executable: String, _ arguments: [String], asOwner: Bool = true, detached: Bool = false) throws {
        _ = try output(executable, arguments, asOwner: asOwner, toNull: detached)
    }

    /// Runs a command to completion with posix_spawn and waitpid (Foundation's Process can miss the
    /// exit of a child whose own child, the server, lives on). Output goes to a temporary file, or to
    /// /dev/null for `pg_ctl start`, whose server inherits it.
    @discardableResult
    private func output(_ executable: String, _ arguments: [String], asOwner: Bool = true, toNull: Bool = false) throws -> String {
        let (path, args) = command(executable, arguments, asOwner: asOwner)
        let capture = toNull ? "/dev/null" : NSTemporaryDirectory() + "hyperfleet-dev-\(UUID().uuidString).out"
        defer { if !toNull { try? FileManager.default.removeItem(atPath: capture) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw DevError("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = toNull ? "" : ((try? String(contentsOfFile: capture, encoding: .utf8)) ?? "")
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let detail = toNull ? ((try? String(contentsOfFile: dataRoot + "/server.log", encoding: .utf8)) ?? "") : text
            throw DevError("\(URL(fileURLWithPath: executable).lastPathComponent) failed (status \(code)): \(detail.suffix(800))")
        }
        return text
    }
}

struct DevError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
