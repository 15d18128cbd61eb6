import HyperFleetJSON

/// What `GET .../reconciliation` answers (OPERATIONS.md): the operator's controls, the Sentinel's last
/// event and next decision, the adapters and the recent history of one resource. Every value comes
/// from stored rows; nothing here decides. Absent values are written as `null` so that the document
/// keeps one shape whether or not a Sentinel has looked at the resource yet.
public struct Reconciliation: Sendable, Equatable {
    public var id: String
    public var href: String
    /// `Cluster` or `NodePool`.
    public var resourceKind: String
    public var generation: Int64
    public var phase: String
    public var deletedTime: Timestamp?
    public var paused: Bool
    public var pausedAt: Timestamp?
    public var pausedBy: String?
    public var pauseReason: String?
    public var pendingRequest: Bool
    public var requestedAt: Timestamp?
    public var requestedBy: String?
    /// A DELETE of a paused resource: its `deleted` event waits for resume.
    public var deletionHeld: Bool
    public var lastEvent: LastEvent?
    public var next: Next?
    public var decidedAt: Timestamp?
    public var attempts: Int64
    public var adapters: [Adapter]
    public var blocking: [Blocking]
    /// Newest first.
    public var history: [ReconcileHistoryEntry]

    public init(
        id: String, href: String, resourceKind: String, generation: Int64, phase: String, deletedTime: Timestamp?,
        paused: Bool, pausedAt: Timestamp?, pausedBy: String?, pauseReason: String?, pendingRequest: Bool,
        requestedAt: Timestamp?, requestedBy: String?, deletionHeld: Bool, lastEvent: LastEvent?, next: Next?,
        decidedAt: Timestamp?, attempts: Int64, adapters: [Adapter], blocking: [Blocking], history: [ReconcileHistoryEntry]
    ) {
        self.id = id
        self.href = href
        self.resourceKind = resourceKind
        self.generation = generation
        self.phase = phase
        self.deletedTime = deletedTime
        self.paused = paused
        self.pausedAt = pausedAt
        self.pausedBy = pausedBy
        self.pauseReason = pauseReason
        self.pendingRequest = pendingRequest
        self.requestedAt = requestedAt
        self.requestedBy = requestedBy
        self.deletionHeld = deletionHeld
        self.lastEvent = lastEvent
        self.next = next
        self.decidedAt = decidedAt
        self.attempts = attempts
        self.adapters = adapters
        self.blocking = blocking
        self.history = history
    }

    /// The last acknowledged event.
    public struct LastEvent: Sendable, Equatable {
        public var id: String?
        public var reason: String?
        public var generation: Int64?
        public var publishedAt: Timestamp?

        public init(id: String?, reason: String?, generation: Int64?, publishedAt: Timestamp?) {
            self.id = id
            self.reason = reason
            self.generation = generation
            self.publishedAt = publishedAt
        }
    }

    /// The Sentinel's next decision as it stored it.
    public struct Next: Sendable, Equatable {
        public var reason: String
        public var dueAt: Timestamp

        public init(reason: String, dueAt: Timestamp) {
            self.reason = reason
            self.dueAt = dueAt
        }
    }

    /// One adapter of the resource: a required one, or another that reported.
    public struct Adapter: Sendable, Equatable {
        public var name: String
        public var required: Bool
        public var observedGeneration: Int64?
        public var current: Bool
        public var available: String?
        public var health: String?
        public var lastReportTime: Timestamp?
        public var stale: Bool

        public init(
            name: String, required: Bool, observedGeneration: Int64?, current: Bool, available: String?, health: String?,
            lastReportTime: Timestamp?, stale: Bool
        ) {
            self.name = name
            self.required = required
            self.observedGeneration = observedGeneration
            self.current = current
            self.available = available
            self.health = health
            self.lastReportTime = lastReportTime
            self.stale = stale
        }
    }

    /// A required adapter keeping the resource from Ready, and the first reason that holds:
    /// `never_reported`, `behind_generation`, `unhealthy`, `not_available`.
    public struct Blocking: Sendable, Equatable {
        public var adapter: String
        public var reason: String

        public init(adapter: String, reason: String) {
            self.adapter = adapter
            self.reason = reason
        }
    }
}

/// One entry of a resource's reconcile history: an acknowledged event, or an operator's pause,
/// resume or reconcile request.
public struct ReconcileHistoryEntry: Sendable, Equatable {
    /// `event`, `reconcile`, `pause` or `resume`.
    public var action: String
    public var time: Timestamp
    /// The event's rule, or the operator's free text.
    public var reason: String?
    /// The operator (for `reconcile`, `pause`, `resume`) or the Sentinel replica that published (`event`).
    public var actor: String?
    public var eventID: String?
    public var generation: Int64?

    public init(action: String, time: Timestamp, reason: String?, actor: String?, eventID: String?, generation: Int64?) {
        self.action = action
        self.time = time
        self.reason = reason
        self.actor = actor
        self.eventID = eventID
        self.generation = generation
    }
}

extension ReconcileHistoryEntry: JSONWritable {
    /// Events: `action, event_id, generation, reason, replica, time`; operator entries: `action, by, reason, time`.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("action")
        writer.string(action)
        if action == "event" {
            writer.key("event_id")
            writer.string(eventID)
            writer.key("generation")
            writer.int(generation)
            writer.key("reason")
            writer.string(reason)
            writer.key("replica")
            writer.string(actor)
        } else {
            writer.key("by")
            writer.string(actor)
            writer.key("reason")
            writer.string(reason)
        }
        writer.key("time")
        writer.timestamp(time)
        writer.endObject()
    }
}

extension Reconciliation: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("adapters")
        writer.beginArray()
        for adapter in adapters { writer.write(adapter) }
        writer.endArray()
        writer.key("attempts")
        writer.int(attempts)
        writer.key("blocking")
        writer.beginArray()
        for entry in blocking {
            writer.beginObject()
            writer.key("adapter")
            writer.string(entry.adapter)
            writer.key("reason")
            writer.string(entry.reason)
            writer.endObject()
        }
        writer.endArray()
        writer.key("decided_at")
        writer.timestamp(decidedAt)
        writer.key("deleted_time")
        writer.timestamp(deletedTime)
        writer.key("deletion_held")
        writer.bool(deletionHeld)
        writer.key("generation")
        writer.int(generation)
        writer.key("history")
        writer.write(history)
        writer.key("href")
        writer.string(href)
        writer.key("id")
        writer.string(id)
        writer.key("kind")
        writer.string("Reconciliation")
        writer.key("last_event")
        if let lastEvent {
            writer.beginObject()
            writer.key("generation")
            writer.int(lastEvent.generation)
            writer.key("id")
            writer.string(lastEvent.id)
            writer.key("published_at")
            writer.timestamp(lastEvent.publishedAt)
            writer.key("reason")
            writer.string(lastEvent.reason)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("next")
        if let next {
            writer.beginObject()
            writer.key("due_at")
            writer.timestamp(next.dueAt)
            writer.key("reason")
            writer.string(next.reason)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("pause_reason")
        writer.string(pauseReason)
        writer.key("paused")
        writer.bool(paused)
        writer.key("paused_at")
        writer.timestamp(pausedAt)
        writer.key("paused_by")
        writer.string(pausedBy)
        writer.key("pending_request")
        writer.bool(pendingRequest)
        writer.key("phase")
        writer.string(phase)
        writer.key("requested_at")
        writer.timestamp(requestedAt)
        writer.key("requested_by")
        writer.string(requestedBy)
        writer.key("resource_kind")
        writer.string(resourceKind)
        writer.endObject()
    }
}

extension Reconciliation.Adapter: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("available")
        writer.string(available)
        writer.key("current")
        writer.bool(current)
        writer.key("health")
        writer.string(health)
        writer.key("last_report_time")
        writer.timestamp(lastReportTime)
        writer.key("name")
        writer.string(name)
        writer.key("observed_generation")
        writer.int(observedGeneration)
        writer.key("required")
        writer.bool(required)
        writer.key("stale")
        writer.bool(stale)
        writer.endObject()
    }
}
