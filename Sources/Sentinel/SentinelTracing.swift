import HyperFleetTracing
import SentinelCore
import Synchronization
import Tracing

/// The Sentinel's spans (issue 13). Names and attribute keys are stable: dashboards and the end-to-end
/// test read them.
///
/// - `sentinel look` (internal, a trace of its own): one per look that took changes or found resources
///   due (an idle poll makes no span); it links to the trace contexts of the changes it served, at most
///   `maxLookLinks` of them.
/// - `sentinel publish` (producer): one per event; its parent is the trace context stored with the
///   change that made the resource due, so the writer's trace continues into the adapters (`EventTrace`).
///   Time-driven events (backoff retries, `ready_stale`) and changes without a stored context start a
///   new trace.
///   The event carries this span's context: `ce_traceparent`/`ce_tracestate` headers in binary mode, the
///   `traceparent`/`tracestate` attributes in structured mode.
enum SentinelSpans {
    static let look = "sentinel look"
    static let publish = "sentinel publish"
    /// Bound on a look span's links: a look may serve thousands of changes, and every link is kept in
    /// memory and exported with the span. The rest are counted in `linksDropped`.
    static let maxLookLinks = 32

    enum Attribute {
        static let resourceType = TraceAttribute.resourceType
        static let resourceID = TraceAttribute.resourceID
        static let generation = TraceAttribute.generation
        static let reason = TraceAttribute.reason
        static let messagingSystem = TraceAttribute.messagingSystem
        static let destination = TraceAttribute.destination
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

/// Which trace an event continues: the explicit change -> publish mapping (issue 13).
enum EventTrace: Equatable {
    /// The rule fires on the write itself (`created`, `generation_changed`, `deleted`, `requested`): the
    /// trace of the change the look just took.
    case takenChange
    /// The first backoff event after progress (a report or a phase change moved the progress mark, which
    /// reset `attempts` to 0; the event waited for the debounce): the trace of the change that moved the
    /// mark, taken in this look or remembered from an earlier one (`ProgressTraces`).
    case progressChange
    /// Time-driven: a backoff retry (`attempts` > 0) or `ready_stale`: a new trace.
    case none

    init(_ reason: Reason, attemptsBefore attempts: Int) {
        switch reason {
        case .created, .generationChanged, .deleted, .requested: self = .takenChange
        case .notReadyBackoff, .failedBackoff: self = attempts == 0 ? .progressChange : .none
        case .readyStale: self = .none
        }
    }
}

/// The trace contexts of changes that moved a resource's progress mark without publishing at once (its
/// next event waits for the debounce), kept until that event is published, so that it continues the
/// report's trace and a create -> Ready stays one trace.
///
/// In memory and bounded (`capacity`; the oldest go first): the Sentinel's database keeps no trace
/// context per record. So after a restart, or when another replica publishes the event, the event
/// starts a new trace; the look span's link still points at the report.
final class ProgressTraces: Sendable {
    private struct State {
        var contexts: [String: (headers: TraceHeaders, order: UInt64)] = [:]
        var next: UInt64 = 0
    }
    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func remember(_ type: WatchedType, _ id: String, _ headers: TraceHeaders) {
        state.withLock { state in
            state.contexts["\(type.rawValue)/\(id)"] = (headers, state.next)
            state.next += 1
            guard state.contexts.count > capacity else { return }
            // Rarely: drop the older half at once, so inserting stays cheap on average.
            let cut = state.contexts.values.map(\.order).sorted()[state.contexts.count / 2]
            state.contexts = state.contexts.filter { $0.value.order >= cut }
        }
    }

    /// The remembered context of the resource, forgotten by this call.
    func take(_ type: WatchedType, _ id: String) -> TraceHeaders? {
        state.withLock { $0.contexts.removeValue(forKey: "\(type.rawValue)/\(id)")?.headers }
    }

    var count: Int { state.withLock { $0.contexts.count } }
}
