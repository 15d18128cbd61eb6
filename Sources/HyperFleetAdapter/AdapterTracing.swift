import HyperFleetTracing
import HyperFleetModel
import Tracing

/// The adapter's spans (issue 13). Names and attribute keys are stable: dashboards and the end-to-end
/// test read them. Attributes are bounded: names, resource ids, methods, route templates, status codes;
/// never URLs with query strings, bodies or headers.
///
/// - `adapter evaluate`: one evaluation. For an event (kind consumer) it continues the trace in the
///   event's `ce_traceparent` (binary mode) or `traceparent` attribute (structured mode); a missing or
///   malformed one starts a new trace. For a job's own completion report (kind internal) it is a child
///   of that `adapter job`.
/// - `adapter GET resource`, `adapter GET statuses`, `adapter GET cluster` (a nodepool's cluster, for the
///   `Ready` precondition), `adapter POST status` (kind client): one per API call, retries included;
///   each attempt sends the span's `traceparent`/`tracestate`.
/// - `adapter job` (internal): the simulated job, from its start to its end (a child of the evaluation
///   that started it); a zero-length span for jobs that end at once (`reject`, `fail`).
enum AdapterSpans {
    static let evaluate = "adapter evaluate"
    static let job = "adapter job"

    enum Attribute {
        static let adapter = "hyperfleet.adapter.name"
        static let resourceType = TraceAttribute.resourceType
        static let resourceID = TraceAttribute.resourceID
        static let generation = TraceAttribute.generation
        static let reason = TraceAttribute.reason
        /// `event`, `requested` (an event with reason `requested`) or `job_finished`.
        static let trigger = "hyperfleet.adapter.trigger"
        /// `AdapterMetrics.Outcome`'s raw value (`reported`, `not_found`, ...).
        static let outcome = "hyperfleet.adapter.outcome"
        static let behaviour = "hyperfleet.adapter.behaviour"
        /// `work` or `cleanup`.
        static let jobKind = "hyperfleet.adapter.job.kind"
        /// Set when a job ended before its time (a newer generation's job replaced it, the resource went
        /// away, or the adapter stopped).
        static let jobInterrupted = "hyperfleet.adapter.job.interrupted"
        static let messagingSystem = TraceAttribute.messagingSystem
        static let destination = TraceAttribute.destination
        static let consumerGroup = "messaging.consumer.group.name"
        static let method = TraceAttribute.method
        static let statusCode = TraceAttribute.statusCode
        static let resendCount = "http.request.resend_count"
        static let urlTemplate = "url.template"
        static let errorType = TraceAttribute.errorType
    }

    /// The attributes every adapter span of `target` carries.
    static func describe(_ span: any Span, adapter: String, target: AdapterTarget) {
        span.attributes[Attribute.adapter] = adapter
        span.attributes[Attribute.resourceType] = target.resourceType
        span.attributes[Attribute.resourceID] = target.id
    }
}

/// One kind of API call, for its client span: the span's name and the route template it hits.
struct APICall: Sendable {
    var spanName: String
    var template: String
    var target: AdapterTarget

    static func getResource(_ target: AdapterTarget) -> APICall {
        APICall(spanName: "adapter GET resource", template: target.routeTemplate, target: target)
    }

    static func getStatuses(_ target: AdapterTarget) -> APICall {
        APICall(spanName: "adapter GET statuses", template: target.routeTemplate + "/statuses", target: target)
    }

    /// A nodepool's cluster (the `Ready` precondition); the span describes the cluster.
    static func getCluster(_ clusterID: String) -> APICall {
        let cluster = AdapterTarget.cluster(id: clusterID)
        return APICall(spanName: "adapter GET cluster", template: cluster.routeTemplate, target: cluster)
    }

    static func postStatus(_ target: AdapterTarget) -> APICall {
        APICall(spanName: "adapter POST status", template: target.routeTemplate + "/statuses", target: target)
    }
}

extension AdapterTarget {
    /// The API's route template for the resource (as its server spans and `RouteTable` name it).
    var routeTemplate: String {
        switch self {
        case .cluster: "\(Paths.base)/clusters/{cluster_id}"
        case .nodePool: "\(Paths.base)/clusters/{cluster_id}/nodepools/{nodepool_id}"
        }
    }

    /// `clusters` or `nodepools`.
    var resourceType: String {
        switch self {
        case .cluster: AdapterResourceType.clusters.rawValue
        case .nodePool: AdapterResourceType.nodepools.rawValue
        }
    }
}
