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
        try run("\(Self.binaries)/pg_ctl", [
            "-D", dataRoot + "/data", "-l", dataRoot + "/server.log", "-w", "-t", "60",
            "-o", "-p \(port) -k \(dataRoot)/socket -c listen_addresses=127.0.0.1", "start",
        ])
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

    private func run(_ executable: String, _ arguments: [String], asOwner: Bool = true) throws {
        _ = try output(executable, arguments, asOwner: asOwner)
    }

    @discardableResult
    private func output(_ executable: String, _ arguments: [String], asOwner: Bool = true) throws -> String {
        let (path, args) = command(executable, arguments, asOwner: asOwner)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw DevError("\(URL(fileURLWithPath: executable).lastPathComponent) failed (\(process.terminationStatus)): \(text.suffix(800))")
        }
        return text
    }
}

struct DevError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
