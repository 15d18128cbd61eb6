import HyperFleetJSON
/// A validated create body (cluster or nodepool).
public struct ResourceCreate: Sendable, Equatable {
    /// Resource name (resource-name syntax).
    public var name: String
    /// Free-form spec object.
    public var spec: [String: JSONValue]
    /// Labels; empty when none were given.
    public var labels: [String: String]

    /// Creates a create request value.
    public init(name: String, spec: [String: JSONValue], labels: [String: String] = [:]) {
        self.name = name
        self.spec = spec
        self.labels = labels
    }
}

/// A condition's status value.
public enum ConditionStatus: String, Sendable, Codable, CaseIterable {
    case `true` = "True"
    case `false` = "False"
    case unknown = "Unknown"
}

/// One condition as an adapter reports it.
public struct ReportedCondition: Sendable, Equatable {
    /// Condition type, non-empty and unique within a report.
    public var type: String
    /// True, False or Unknown.
    public var status: ConditionStatus
    /// Machine-readable reason.
    public var reason: String?
    /// Human-readable message.
    public var message: String?

    /// Creates a reported condition.
    public init(type: String, status: ConditionStatus, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}

/// A validated adapter status report (POST .../statuses).
public struct StatusReport: Sendable, Equatable {
    /// Adapter name (resource-name syntax).
    public var adapter: String
    /// Generation the adapter acted on, >= 1.
    public var observedGeneration: Int64
    /// When the adapter observed the resource (adapter clock).
    public var observedTime: Timestamp
    /// The reported conditions.
    public var conditions: [ReportedCondition]
    /// Job metadata object, if given.
    public var metadata: JSONValue?
    /// Adapter-specific data object, if given.
    public var data: JSONValue?

    /// Creates a status report.
    public init(adapter: String, observedGeneration: Int64, observedTime: Timestamp, conditions: [ReportedCondition],
                metadata: JSONValue? = nil, data: JSONValue? = nil) {
        self.adapter = adapter
        self.observedGeneration = observedGeneration
        self.observedTime = observedTime
        self.conditions = conditions
        self.metadata = metadata
        self.data = data
    }
}

/// How a PATCH body is applied, chosen by its Content-Type.
public enum PatchMode: Sendable, Equatable {
    /// `application/json`: each given field replaces the stored one.
    case replace
    /// `application/merge-patch+json`: RFC 7396 merge.
    case merge
}
