import HyperFleetTracing
import SentinelCore
import Tracing

/// The Sentinel's spans (issue 13). Names and attribute keys are stable: dashboards and the end-to-end
/// test read them.
///
/// - `sentinel look` (internal, a trace of its own): one per look that took changes or found resources
///   due (an idle poll makes no span); it links to the trace contexts of the changes it served, at most
///   `maxLookLinks` of them.
/// - `sentinel publish` (producer): one per event; its parent is the trace context stored with the
///   change that made the resource due, so the writer's trace continues into the adapters. Time-driven
///   events (`Reason.continuesChangeTrace` false) and changes without a stored context start a new trace.
///   The event carries this span's context: `ce_traceparent`/`ce_tracestate` headers in binary mode, the
///   `traceparent`/`tracestate` attributes in structured mode.
enum SentinelSpans {
    static let look = "sentinel look"
    static let publish = "sentinel publish"
    /// Bound on a look span's links: a look may serve thousands of changes, and every link is kept in
    /// memory and exported with the span. The rest are counted in `linksDropped`.
    static let maxLookLinks = 32

    enum Attribute {
        static let resourceType = "hyperfleet.resource.type"
        static let resourceID = "hyperfleet.resource.id"
        static let generation = "hyperfleet.resource.generation"
        static let reason = "hyperfleet.event.reason"
        static let messagingSystem = "messaging.system"
        static let destination = "messaging.destination.name"
        static let messageID = "messaging.message.id"
        /// Change rows the look took from `sentinel_changes`.
        static let changesTaken = "hyperfleet.sentinel.changes_taken"
        /// Resources found due by time (`next_due_at`).
        static let resourcesDue = "hyperfleet.sentinel.resources_due"
        /// Resources the look decided (changed and due ones it could lock).
        static let resourcesDecided = "hyperfleet.sentinel.resources_decided"
        static let eventsPublished = "hyperfleet.sentinel.events_published"
        static let eventsFailed = "hyperfleet.sentinel.events_failed"
        /// Served change contexts beyond `maxLookLinks`, not linked.
        static let linksDropped = "hyperfleet.sentinel.links_dropped"
    }
}

extension Reason {
    /// Whether an event published for this rule is caused by the change the look just took (it
    /// continues that change's trace) rather than by time.
    ///
    /// `created`, `generation_changed`, `deleted` and `requested` publish at once when a create, PATCH,
    /// DELETE or reconcile request is written. The backoff rules and `ready_stale` fire when
    /// `next_due_at` passes, whatever wrote last: they start a new trace, also in a look that happens to
    /// take a change row of the resource (a status report moves the progress mark, but the event it
    /// leads to waits for the debounce and comes from the due index).
    var continuesChangeTrace: Bool {
        switch self {
        case .created, .generationChanged, .deleted, .requested: true
        case .notReadyBackoff, .failedBackoff, .readyStale: false
        }
    }
}
