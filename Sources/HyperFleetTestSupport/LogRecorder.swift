import Logging
import Synchronization

/// Records log lines with their metadata so tests can assert what was logged.
public final class LogRecorder: Sendable {
    /// One recorded line; metadata values as text.
    public struct Line: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let recorded = Mutex<[Line]>([])

    public init() {}

    /// A logger that records every line, at every level.
    public var logger: Logger {
        Logger(label: "hyperfleet.tests.recorded") { _ in Handler(recorder: self) }
    }

    /// A logger that records every line with the metadata `metadataProvider` adds (for example the trace
    /// ids of `TraceLogMetadata.provider`), as the production log handlers do.
    public func logger(metadataProvider: Logger.MetadataProvider) -> Logger {
        Logger(label: "hyperfleet.tests.recorded") { _ in Handler(recorder: self, metadataProvider: metadataProvider) }
    }

    /// The lines whose message is exactly `message`.
    public func lines(_ message: String) -> [Line] {
        recorded.withLock { $0.filter { $0.message == message } }
    }

    /// The messages logged at `level` or more severe.
    public func messages(atLeast level: Logger.Level) -> [String] {
        recorded.withLock { $0.filter { $0.level >= level }.map(\.message) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadataProvider: Logger.MetadataProvider? = nil
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let provided = metadataProvider?.get() ?? [:]
            let fields = provided.merging(metadata) { $1 }.merging(event.metadata ?? [:]) { $1 }.mapValues(\.description)
            let line = Line(level: event.level, message: event.message.description, metadata: fields)
            recorder.recorded.withLock { $0.append(line) }
        }
    }
}
