import HyperFleetModel

/// The kind of resource the Sentinel schedules events for.
public enum ResourceKind: String, Sendable, CaseIterable {
    case cluster
    case nodepool
}

/// One required adapter's progress on a resource, as far as the progress mark cares.
public struct AdapterProgress: Sendable, Hashable {
    /// The adapter's name.
    public var adapter: String
    /// The generation the adapter last reported having observed; nil when it never reported.
    public var observedGeneration: Int64?
    /// The `Available` condition status ("True"/"False"/"Unknown"), nil when absent.
    public var available: String?
    /// The `Finalized` condition status ("True"/"False"/"Unknown"), nil when absent.
    public var finalized: String?

    /// Creates an adapter's progress; omitted fields mean "never reported".
    public init(adapter: String, observedGeneration: Int64? = nil, available: String? = nil, finalized: String? = nil) {
        self.adapter = adapter
        self.observedGeneration = observedGeneration
        self.available = available
        self.finalized = finalized
    }
}

/// What the Sentinel observed of one resource at a look: the input of the decision rules.
public struct ResourceObservation: Sendable {
    /// The resource id (also the Kafka key and the jitter seed).
    public var id: String
    /// Cluster or nodepool.
    public var kind: ResourceKind
    /// The resource's spec generation.
    public var generation: Int64
    /// When the resource was created (stands in for "newest report" before any adapter reported).
    public var createdTime: Timestamp
    /// When deletion was requested, nil while the resource is live.
    public var deletedTime: Timestamp?
    /// The aggregated phase.
    public var phase: Phase
    /// `status.last_transition_time`.
    public var lastTransitionTime: Timestamp
    /// `status.last_updated_time` (the oldest adapter report the aggregate is based on).
    public var lastUpdatedTime: Timestamp
    /// Latest `last_report_time` over all its adapter statuses, nil when none reported.
    public var newestReportTime: Timestamp?
    /// Whether any adapter ever reported on this resource.
    public var anyAdapterReported: Bool
    /// One entry per required adapter, sorted by name.
    public var requiredAdapters: [AdapterProgress]
    /// The operator's reconcile request counter (`hyperfleet_reconcile_controls.request_seq`, 0 without a row).
    public var requestSeq: Int64
    /// Whether an operator paused the resource: no rule publishes while it is.
    public var paused: Bool

    /// Creates an observation; `lastTransitionTime`/`lastUpdatedTime` default to `createdTime`.
    public init(
        id: String,
        kind: ResourceKind,
        generation: Int64,
        createdTime: Timestamp,
        deletedTime: Timestamp? = nil,
        phase: Phase,
        lastTransitionTime: Timestamp? = nil,
        lastUpdatedTime: Timestamp? = nil,
        newestReportTime: Timestamp? = nil,
        anyAdapterReported: Bool = false,
        requiredAdapters: [AdapterProgress] = [],
        requestSeq: Int64 = 0,
        paused: Bool = false
    ) {
        self.id = id
        self.kind = kind
        self.generation = generation
        self.createdTime = createdTime
        self.deletedTime = deletedTime
        self.phase = phase
        self.lastTransitionTime = lastTransitionTime ?? createdTime
        self.lastUpdatedTime = lastUpdatedTime ?? createdTime
        self.newestReportTime = newestReportTime
        self.anyAdapterReported = anyAdapterReported
        self.requiredAdapters = requiredAdapters
        self.requestSeq = requestSeq
        self.paused = paused
    }
}
