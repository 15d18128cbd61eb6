import HyperFleetConfig
import HyperFleetStore
import HyperFleetTestSupport
import HyperFleetTracing
import Kafka
import Postgres
import ServiceLifecycle
import Testing
import Tracing

/// The production tracer (swift-otel) exporting OTLP/HTTP JSON to a receiver the test starts. `body` runs
/// while the tracer's services do; they are then shut down, which flushes every span, and the spans the
/// receiver got are returned with what `body` returned.
func withExportedSpans<T: Sendable>(
    serviceName: String = "hyperfleet-sentinel", _ body: (any Tracer) async throws -> T
) async throws -> (T, [ExportedSpan]) {
    let receiver = try await OTLPReceiver.start()
    let yaml = "tracing: {enabled: true, otlp_endpoint: '\(receiver.endpoint)', otlp_protocol: http/json}"
    let settings = try TracingSettings.read(try ConfigReader(yaml: yaml, environment: [:], prefix: "HYPERFLEET_TEST"), environment: [:])
    let made = try makeTracer(
        settings: settings, serviceName: serviceName, logger: quietLogger, shutdownTimeout: .seconds(10), processEnvironment: [:])
    let group = ServiceGroup(configuration: .init(services: made.services.map { .init(service: $0) }, logger: quietLogger))
    let result: T
    do {
        result = try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: T
            do {
                result = try await body(made.tracer)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    } catch {
        try? await receiver.stop()
        throw error
    }
    try await receiver.stop()
    return (result, receiver.spans)
}

/// The fields of a version-00 `traceparent`.
struct Traceparent: Equatable, CustomStringConvertible {
    var traceID: String
    var spanID: String
    var flags: String

    init?(_ text: String?) {
        let fields = text?.split(separator: "-", omittingEmptySubsequences: false) ?? []
        guard fields.count == 4, fields[0] == "00", fields[1].count == 32, fields[2].count == 16, fields[3].count == 2 else { return nil }
        (traceID, spanID, flags) = (String(fields[1]), String(fields[2]), String(fields[3]))
    }

    var description: String { "00-\(traceID)-\(spanID)-\(flags)" }
}

extension SentinelHarness {
    /// Writes `sql` (with `$1` = `id`) the way a traced API write does (migration 9): the transaction-local
    /// trace settings first, so the trigger stores them with the change row.
    func tracedWrite(_ sql: String, _ id: String, traceparent: String, tracestate: String? = nil) async throws {
        try await pool.withTransaction { connection in
            _ = try await connection.query(
                "SELECT set_config($1, $2, true), set_config($3, $4, true)",
                [Schema.traceparentSetting, traceparent, Schema.tracestateSetting, tracestate ?? ""])
            _ = try await connection.query(sql, [id])
        }
    }

    /// Gives the resource's pending change rows a trace context (its create went through the untraced store).
    func storeTrace(on id: String, traceparent: String, tracestate: String? = nil) async throws {
        let result = try await pool.query(
            "UPDATE sentinel_changes SET traceparent = $2, tracestate = $3 WHERE resource_id = $1", [id, traceparent, tracestate])
        try #require(result.affectedRows > 0, "no change row for \(id)")
    }
}

extension KafkaConsumerMessage {
    /// The CloudEvents distributed-tracing attribute `name` (`traceparent`, `tracestate`) where `mode` puts
    /// it: a `ce_` header in binary mode, a member of the JSON envelope in structured mode.
    func traceAttribute(_ name: String, mode: CloudEventMode) -> String? {
        switch mode {
        case .binary: header("ce_" + name)
        case .structured: data?.at(name)?.stringValue
        }
    }

    /// The event's reason in either mode.
    func reason(mode: CloudEventMode) -> String? {
        mode == .binary ? reason : data?.at("reason")?.stringValue
    }
}
