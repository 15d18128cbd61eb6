import Logging
import OTel

/// Adds `trace_id` and `span_id` (and swift-otel's `trace_flags`) to every log line written while a span
/// is active; nothing without one, and nothing when tracing is off (the no-op tracer makes no spans).
///
/// Give it to the log handlers: `StreamLogHandler.standardError(label:metadataProvider:)` (text) and
/// `JSONLogHandler(label:metadataProvider:)` (JSON lines), or to `LoggingSystem.bootstrap(_:metadataProvider:)`.
public enum TraceLogMetadata {
    public static let provider: Logger.MetadataProvider = OTel.makeLoggingMetadataProvider()
}
