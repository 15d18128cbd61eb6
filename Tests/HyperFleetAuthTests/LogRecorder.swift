import Foundation
import Logging

/// Records log lines so tests can assert that something was logged.
final class LogRecorder: @unchecked Sendable {
    // Guarded by `lock`; log handlers are called from any thread.
    private var lines: [(level: Logger.Level, message: String)] = []
    private let lock = NSLock()

    func record(_ level: Logger.Level, _ message: String) {
        lock.withLock { lines.append((level, message)) }
    }

    func messages(atLeast level: Logger.Level) -> [String] {
        lock.withLock { lines.filter { $0.level >= level }.map(\.message) }
    }

    var logger: Logger {
        Logger(label: "hyperfleet.auth.tests.recorded") { _ in Handler(recorder: self) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, event.message.description)
        }
    }
}
