import HyperFleetTracing
import Postgres
import Tracing

/// The attribute names of the store's spans (OpenTelemetry's where one exists).
enum StoreSpanAttribute {
    static let dbSystem = "db.system.name"
    static let resourceType = TraceAttribute.resourceType
    static let resourceID = TraceAttribute.resourceID
    static let clusterID = TraceAttribute.clusterID
    static let adapter = "hyperfleet.adapter"
    static let errorType = TraceAttribute.errorType
}

/// Spans of the store (issue 13): one client span per store operation, named `store <operation>` (for
/// example `store upsertStatus`), a child of the active span (the API's server span), with bounded
/// attributes only: `db.system.name` (`postgresql`), `hyperfleet.resource.type`, `hyperfleet.resource.id`,
/// `hyperfleet.cluster.id` (nodepools), `hyperfleet.adapter` (status reports), and `error.type` when it
/// fails. No SQL, no values, no error messages: a failure with a message the client may see is a domain
/// outcome (not found, conflict) and leaves the status unset; an outage or an unexpected error sets it
/// to error.
///
/// A write that changes a resource runs its transaction with the span's W3C trace context as the
/// transaction-local settings `hyperfleet.traceparent` / `hyperfleet.tracestate` (Migration 9), sent with
/// BEGIN in the same round trip, so the change row its trigger writes continues this trace in the Sentinel.
///
/// With tracing off (`tracer` nil) none of this runs: no span, no settings, the plain BEGIN.
extension ResourceStore {
    /// Runs one store operation in its span, translating database failures into `StoreError` (see
    /// `translatingErrors`); `body` gets nil and runs without a span when tracing is off.
    func traced<T: Sendable>(
        _ operation: String, _ type: ResourceType, id: String? = nil, clusterID: String? = nil,
        _ body: ((any Span)?) async throws -> T
    ) async throws -> T {
        guard let tracer else { return try await translatingErrors { try await body(nil) } }
        let span = tracer.startSpan("store " + operation, context: ServiceContext.current ?? .topLevel, ofKind: .client)
        defer { span.end() }
        span.updateAttributes { attributes in
            attributes[StoreSpanAttribute.dbSystem] = "postgresql"
            attributes[StoreSpanAttribute.resourceType] = type.rawValue
            if let id { attributes[StoreSpanAttribute.resourceID] = id }
            if let clusterID { attributes[StoreSpanAttribute.clusterID] = clusterID }
        }
        do {
            return try await ServiceContext.withValue(span.context) { try await translatingErrors { try await body(span) } }
        } catch {
            Self.recordFailure(error, on: span)
            throw error
        }
    }

    /// `traced` for a resource named by a target.
    func traced<T: Sendable>(_ operation: String, _ target: ResourceTarget, _ body: ((any Span)?) async throws -> T) async throws -> T {
        try await traced(operation, target.type, id: target.id, clusterID: target.clusterID, body)
    }

    /// A transaction that changes a resource: with a span, its trace context is set for the change row.
    func writeTransaction<T: Sendable>(in span: (any Span)?, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard let span, let tracer else { return try await pool.withTransaction(body) }
        return try await pool.withTransaction(settingLocally: Self.traceSettings(tracer.traceHeaders(of: span.context)), body)
    }

    /// The transaction-local settings for `headers`: nothing without a valid `traceparent`, and the
    /// `tracestate` only when it is valid (it comes from a client).
    static func traceSettings(_ headers: TraceHeaders) -> [(name: String, value: String)] {
        guard let traceparent = headers.traceparent.flatMap(TraceContextFields.normalizedTraceparent) else { return [] }
        var settings = [(name: Schema.traceparentSetting, value: traceparent)]
        if let tracestate = headers.tracestate.flatMap(TraceContextFields.validTracestate) {
            settings.append((name: Schema.tracestateSetting, value: tracestate))
        }
        return settings
    }

    private static func recordFailure(_ error: any Error, on span: any Span) {
        switch error {
        case StoreError.notFound: span.attributes[StoreSpanAttribute.errorType] = "not_found"
        case StoreError.conflict: span.attributes[StoreSpanAttribute.errorType] = "conflict"
        case StoreError.invalid: span.attributes[StoreSpanAttribute.errorType] = "invalid"
        case StoreError.unavailable:
            span.attributes[StoreSpanAttribute.errorType] = "unavailable"
            span.setStatus(SpanStatus(code: .error))
        case StoreError.corrupt:
            span.attributes[StoreSpanAttribute.errorType] = "corrupt"
            span.setStatus(SpanStatus(code: .error))
        case is CancellationError:
            span.attributes[StoreSpanAttribute.errorType] = "cancelled"
        default:
            // The type's name only: a database error's message may quote stored values.
            span.attributes[StoreSpanAttribute.errorType] = String(describing: type(of: error))
            span.setStatus(SpanStatus(code: .error))
        }
    }
}
