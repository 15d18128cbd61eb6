import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A process started by a test with `posix_spawn`, whose end is learnt by a thread of its own blocked in
/// `waitpid` on that child alone, so it cannot be missed.
///
/// Foundation's `Process` is not used any more. On Linux under load it missed children's ends
/// (`waitUntilExit()` parked its thread for good; `hyperfleet dev` starts PostgreSQL with `posix_spawn`
/// for the same reason), and its termination handler, which this type used to await, is fed by the same
/// machinery: a run-loop thread and a `select` over every child's descriptors. A test awaiting an end
/// that never comes never finishes and keeps its place among the test cases that run at once, and full
/// runs of the suite were seen to stall with every thread idle.
public final class ChildProcess: Sendable {
    /// How a process ended.
    public enum Exit: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The shell's convention: the exit status, or 128 + the signal.
        public var code: Int32 {
            switch self {
            case .exited(let status): status
            case .signalled(let signal): 128 + signal
            }
        }

        /// Decodes a `waitpid` status.
        init(waitStatus status: Int32) {
            self = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
        }
    }

    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable, Equatable {
        /// This process's own.
        case inherit
        /// `/dev/null`.
        case null
        /// A file at this path, created if missing, appended to (two streams may share it).
        case file(String)
        /// An open descriptor of this process, e.g. one end of a pipe.
        case descriptor(Int32)
    }

    /// A child that could not be started.
    public struct SpawnFailure: Error, CustomStringConvertible {
        public let description: String
    }

    private enum State {
        case running(waiters: [CheckedContinuation<Exit, Never>])
        case ended(Exit)
    }

    private let state = Mutex(State.running(waiters: []))
    public let processIdentifier: Int32

    /// Starts `executable` (an absolute path) with `arguments`; `environment` nil inherits this one's.
    /// No descriptor of this process other than the three streams reaches the child.
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, standardInput: Stream = .null,
        standardOutput: Stream = .inherit, standardError: Stream = .inherit
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .descriptor(let source): posix_spawn_file_actions_adddup2(&actions, source, target)
            }
        }
        // The test bundle holds sockets, pipes and database sessions a child must not keep open.
        Self.closeTheRest(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // No blocked signal (a runtime thread may block some) and the default handling of those a test
        // bundle changes (SIGPIPE is ignored here, and an ignored signal stays ignored across exec).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environmentEntries = environment.map { variables in variables.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { environmentEntries?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = environmentEntries.map { entries in
            posix_spawn(&pid, executable.path, &actions, &attributes, argv, entries)
        } ?? posix_spawn(&pid, executable.path, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw SpawnFailure(description: "cannot start \(executable.path): \(String(cString: strerror(spawned)))")
        }
        processIdentifier = pid
        let child = pid
        Thread { [self] in
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(child, &status, 0) } while result == -1 && errno == EINTR
            // -1 otherwise means the child was reaped elsewhere: it has ended all the same.
            ended(result == child ? Exit(waitStatus: status) : .exited(-1))
        }.start()
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module
    /// does not declare.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// Adds the closing of every descriptor from 3 up; without `addclosefrom_np`, of those open now.
    private static func closeTheRest(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap(Int32.init) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    private func ended(_ exit: Exit) {
        let waiters = state.withLock { state -> [CheckedContinuation<Exit, Never>] in
            guard case .running(let waiters) = state else { return [] }
            state = .ended(exit)
            return waiters
        }
        waiters.forEach { $0.resume(returning: exit) }
    }

    /// How the process ended; nil while it runs.
    public var exit: Exit? {
        state.withLock { state in
            if case .ended(let exit) = state { return exit }
            return nil
        }
    }

    public var isRunning: Bool { exit == nil }

    /// Sends `signal` unless the process has ended (and been reaped: its pid cannot have been reused).
    public func send(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// Waits for the end of the process.
    public func waitForExit() async -> Exit {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> Exit? in
                switch state {
                case .ended(let exit): return exit
                case .running(var waiters):
                    waiters.append(continuation)
                    state = .running(waiters: waiters)
                    return nil
                }
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }

    /// Waits at most `limit` for the end of the process; nil if it still runs.
    public func waitForExit(within limit: Duration) async -> Exit? {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if let exit { return exit }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exit
    }

    /// Runs `executable` to its end with its output in files (a pipe that nobody drains can stall a
    /// child); returns how it ended, its standard output and its standard error.
    public static func output(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil
    ) async throws -> (exit: Exit, standardOutput: String, standardError: String) {
        let stem = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
        let (outputPath, errorPath) = (stem + ".out", stem + ".err")
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let child = try ChildProcess(
            executable, arguments, environment: environment, standardOutput: .file(outputPath), standardError: .file(errorPath))
        let exit = await child.waitForExit()
        func contents(_ path: String) -> String {
            (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        }
        return (exit, contents(outputPath), contents(errorPath))
    }
}
