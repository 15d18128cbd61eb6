import Foundation
import Synchronization

/// A process started by a test, whose end is awaited without holding a thread.
///
/// Foundation's `waitUntilExit()` is never used: it spins a run loop on the calling thread and, on
/// Linux under load, can miss the child's end and park that thread for good. A test runs on Swift's
/// cooperative pool, which has one thread per core; two parked threads on a 2-core machine stop every
/// test in the process. The end is learnt from `terminationHandler`, set before the process starts.
public final class ChildProcess: @unchecked Sendable {
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
    }

    private enum State {
        case running(waiters: [CheckedContinuation<Exit, Never>])
        case ended(Exit)
    }

    // Only read after `run()`; Process itself is not Sendable.
    private let process: Process
    private let state = Mutex(State.running(waiters: []))

    /// Starts `executable` with `arguments`; `configure` sets the environment and standard streams.
    public init(_ executable: URL, _ arguments: [String], configure: (Process) -> Void = { _ in }) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        configure(process)
        process.terminationHandler = { [weak self] process in
            self?.ended(process.terminationReason == .uncaughtSignal
                ? .signalled(process.terminationStatus) : .exited(process.terminationStatus))
        }
        try process.run()
    }

    private func ended(_ exit: Exit) {
        let waiters = state.withLock { state -> [CheckedContinuation<Exit, Never>] in
            guard case .running(let waiters) = state else { return [] }
            state = .ended(exit)
            return waiters
        }
        waiters.forEach { $0.resume(returning: exit) }
    }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// How the process ended; nil while it runs.
    public var exit: Exit? {
        state.withLock { state in
            if case .ended(let exit) = state { return exit }
            return nil
        }
    }

    public var isRunning: Bool { exit == nil }

    /// Sends `signal` unless the process has ended.
    public func send(_ signal: Int32) {
        if isRunning { kill(process.processIdentifier, signal) }
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
        let directory = FileManager.default.temporaryDirectory
        let stem = "child-\(UUID().uuidString)"
        let outputURL = directory.appendingPathComponent(stem + ".out")
        let errorURL = directory.appendingPathComponent(stem + ".err")
        defer {
            try? FileManager.default.removeItem(at: outputURL)
            try? FileManager.default.removeItem(at: errorURL)
        }
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer {
            try? outputHandle.close()
            try? errorHandle.close()
        }
        let child = try ChildProcess(executable, arguments) { process in
            if let environment { process.environment = environment }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = outputHandle
            process.standardError = errorHandle
        }
        let exit = await child.waitForExit()
        return (
            exit,
            String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
        )
    }
}
