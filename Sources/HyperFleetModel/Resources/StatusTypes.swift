import HyperFleetJSON
/// Aggregated phase of a cluster or nodepool.
public enum Phase: String, Sendable, Codable, CaseIterable {
    case notReady = "NotReady"
    case ready = "Ready"
    case failed = "Failed"
}

/// A condition inside a stored AdapterStatus.
public struct AdapterCondition: Sendable, Equatable, Codable {
    /// Condition type, e.g. Available, Applied, Health.
    public var type: String
    /// True, False or Unknown.
    public var status: ConditionStatus
    /// Machine-readable reason.
    public var reason: String?
    /// Human-readable message.
    public var message: String?
    /// When `status` last changed (API-managed).
    public var lastTransitionTime: Timestamp

    enum CodingKeys: String, CodingKey {
        case type, status, reason, message
        case lastTransitionTime = "last_transition_time"
    }

    /// Creates an adapter condition.
    public init(type: String, status: ConditionStatus, reason: String? = nil, message: String? = nil, lastTransitionTime: Timestamp) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

/// One adapter's stored report on one resource (the spec's AdapterStatus).
public struct AdapterStatus: Sendable, Equatable, Codable {
    /// Adapter name.
    public var adapter: String
    /// Generation the adapter last acted on.
    public var observedGeneration: Int64
    /// The latest reported conditions.
    public var conditions: [AdapterCondition]
    /// Job metadata object, if reported.
    public var metadata: JSONValue?
    /// Adapter-specific data object, if reported.
    public var data: JSONValue?
    /// Server time of the first report; never changes.
    public var createdTime: Timestamp
    /// The latest observed_time, clamped to the server clock.
    public var lastReportTime: Timestamp

    enum CodingKeys: String, CodingKey {
        case adapter, conditions, metadata, data
        case observedGeneration = "observed_generation"
        case createdTime = "created_time"
        case lastReportTime = "last_report_time"
    }

    /// Creates an adapter status.
    public init(adapter: String, observedGeneration: Int64, conditions: [AdapterCondition], metadata: JSONValue? = nil,
                data: JSONValue? = nil, createdTime: Timestamp, lastReportTime: Timestamp) {
        self.adapter = adapter
        self.observedGeneration = observedGeneration
        self.conditions = conditions
        self.metadata = metadata
        self.data = data
        self.createdTime = createdTime
        self.lastReportTime = lastReportTime
    }

    /// The condition of the given type, if reported.
    public func condition(_ type: String) -> AdapterCondition? {
        conditions.first { $0.type == type }
    }
}

/// One adapter's summary inside a resource's status (the spec's ResourceCondition).
public struct ResourceCondition: Sendable, Equatable, Codable {
    /// `<Adapter>Successful`.
    public var type: String
    /// Status of the adapter's Available condition.
    public var status: ConditionStatus
    /// Reason of the adapter's Available condition.
    public var reason: String?
    /// Message of the adapter's Available condition.
    public var message: String?
    /// Transition time of the adapter's Available condition.
    public var lastTransitionTime: Timestamp
    /// The adapter's observed generation.
    public var observedGeneration: Int64
    /// The adapter status's created_time.
    public var createdTime: Timestamp
    /// The adapter status's last_report_time.
    public var lastUpdatedTime: Timestamp

    enum CodingKeys: String, CodingKey {
        case type, status, reason, message
        case lastTransitionTime = "last_transition_time"
        case observedGeneration = "observed_generation"
        case createdTime = "created_time"
        case lastUpdatedTime = "last_updated_time"
    }

    /// Creates a resource condition.
    public init(type: String, status: ConditionStatus, reason: String? = nil, message: String? = nil,
                lastTransitionTime: Timestamp, observedGeneration: Int64, createdTime: Timestamp, lastUpdatedTime: Timestamp) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
        self.createdTime = createdTime
        self.lastUpdatedTime = lastUpdatedTime
    }
}

/// The aggregated status of a cluster or nodepool.
public struct ResourceStatus: Sendable, Equatable, Codable {
    /// NotReady, Ready or Failed.
    public var phase: Phase
    /// Lowest generation observed (0: nothing observed).
    public var observedGeneration: Int64
    /// Server time of the last phase change (created_time until then).
    public var lastTransitionTime: Timestamp
    /// Oldest report time (exposes stale adapters).
    public var lastUpdatedTime: Timestamp
    /// One entry per adapter with an Available condition, by adapter name.
    public var conditions: [ResourceCondition]

    enum CodingKeys: String, CodingKey {
        case phase, conditions
        case observedGeneration = "observed_generation"
        case lastTransitionTime = "last_transition_time"
        case lastUpdatedTime = "last_updated_time"
    }

    /// Creates a resource status.
    public init(phase: Phase, observedGeneration: Int64, lastTransitionTime: Timestamp, lastUpdatedTime: Timestamp,
                conditions: [ResourceCondition]) {
        self.phase = phase
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
        self.lastUpdatedTime = lastUpdatedTime
        self.conditions = conditions
    }

    /// The status of a freshly created resource: NotReady, generation 0, times = created_time, no conditions.
    public static func initial(createdTime: Timestamp) -> ResourceStatus {
        ResourceStatus(phase: .notReady, observedGeneration: 0, lastTransitionTime: createdTime,
                       lastUpdatedTime: createdTime, conditions: [])
    }
}
