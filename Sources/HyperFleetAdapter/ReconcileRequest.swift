import HyperFleetJSON
import HyperFleetModel
import HyperFleetTracing
import Kafka

/// The resource an adapter acts on, with the API paths that reach it.
public enum AdapterTarget: Sendable, Hashable, CustomStringConvertible {
    case cluster(id: String)
    case nodePool(clusterID: String, id: String)

    /// `/api/hyperfleet/v1/clusters/{id}` or `.../clusters/{cid}/nodepools/{id}`.
    public var path: String {
        switch self {
        case .cluster(let id): return Paths.cluster(id)
        case .nodePool(let clusterID, let id): return Paths.nodePool(clusterID: clusterID, id: id)
        }
    }

    /// The resource's own id.
    public var id: String {
        switch self {
        case .cluster(let id), .nodePool(_, let id): return id
        }
    }

    public var description: String {
        switch self {
        case .cluster(let id): return "cluster \(id)"
        case .nodePool(let clusterID, let id): return "nodepool \(id) of cluster \(clusterID)"
        }
    }
}

/// Why a Kafka record is not a reconcile event this adapter can act on.
public struct ReconcileEventError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { "invalid reconcile event: \(message)" }
}

/// A reconcile event reduced to what the adapter needs: which resource, and what the Sentinel saw.
///
/// The adapter always re-reads the resource, so `generation` and `reason` are only logged.
public struct ReconcileRequest: Sendable, Equatable {
    public var target: AdapterTarget
    public var generation: Int64?
    public var reason: String?
    /// The event's CloudEvents distributed-tracing extension as received (`ce_traceparent`/`ce_tracestate`
    /// in binary mode, `traceparent`/`tracestate` in structured mode); checked only when a tracer
    /// extracts it, so a malformed value starts a new trace.
    public var trace = TraceHeaders()

    /// An operator's reconcile-now (OPERATIONS.md): the event's reason is `requested`.
    public var isReconcileNow: Bool { reason == "requested" }

    /// Decodes a record (CloudEvents binary or structured mode) published for `type`.
    public static func decode(_ message: KafkaConsumerMessage, for type: AdapterResourceType) throws -> ReconcileRequest {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(message)
        } catch {
            throw ReconcileEventError(message: "not a CloudEvent: \(error)")
        }
        guard event.type == type.eventType else {
            throw ReconcileEventError(message: "event type '\(event.type)' is not '\(type.eventType)'")
        }
        let data: JSONValue
        do {
            data = try JSONValue.parse(event.data)
        } catch {
            throw ReconcileEventError(message: "data is not JSON: \(error)")
        }
        guard case .object = data else { throw ReconcileEventError(message: "data is not a JSON object") }
        guard let id = data.at("id")?.stringValue ?? event.subject else {
            throw ReconcileEventError(message: "neither data.id nor subject names the resource")
        }
        guard ResourceID.isWellFormed(id) else { throw ReconcileEventError(message: "'\(id)' is not a resource id") }
        let target: AdapterTarget
        switch type {
        case .clusters:
            target = .cluster(id: id)
        case .nodepools:
            guard let clusterID = data.at("owner_references.id")?.stringValue ?? Self.clusterID(fromHref: data.at("href")?.stringValue)
            else {
                throw ReconcileEventError(message: "nodepool event names no cluster (owner_references.id or href)")
            }
            guard ResourceID.isWellFormed(clusterID) else {
                throw ReconcileEventError(message: "'\(clusterID)' is not a cluster id")
            }
            target = .nodePool(clusterID: clusterID, id: id)
        }
        return ReconcileRequest(
            target: target, generation: data.at("generation")?.exactIntegerValue,
            reason: data.at("reason")?.stringValue ?? event.extensions["reason"],
            trace: TraceHeaders(
                traceparent: event.extensions[TraceContextFields.traceparent], tracestate: event.extensions[TraceContextFields.tracestate]))
    }

    /// The cluster id inside `/api/hyperfleet/v1/clusters/{cid}/nodepools/{id}`.
    static func clusterID(fromHref href: String?) -> String? {
        guard let href else { return nil }
        let parts = href.split(separator: "/")
        guard let index = parts.firstIndex(of: "clusters"), parts.indices.contains(index + 1) else { return nil }
        return String(parts[index + 1])
    }
}
