import HyperFleetModel

/// Why an event was published; the value is the rule's name carried in `ce_reason` and metric labels.
public enum Reason: String, Sendable, CaseIterable {
    case deleted
    case created
    case generationChanged = "generation_changed"
    case notReadyBackoff = "not_ready_backoff"
    case failedBackoff = "failed_backoff"
    case readyStale = "ready_stale"
    /// An operator's reconcile request (OPERATIONS.md): pending while `request_seq > served_request_seq`.
    case requested
}

/// The Sentinel's own record for a resource: its last acknowledged event (nil record = never published).
public struct PublishRecord: Sendable, Equatable {
    /// The generation the last acknowledged event was published for.
    public var publishedGeneration: Int64
    /// When the last event was acknowledged.
    public var publishedAt: Timestamp
    /// The reason of the last acknowledged event.
    public var publishedReason: Reason
    /// Events acknowledged since `progressMark` last changed.
    public var attempts: Int
    /// The progress fingerprint `attempts` counts against.
    public var progressMark: String
    /// The resource's `request_seq` as the last acknowledged event saw it: that event served every
    /// request up to this one.
    public var servedRequestSeq: Int64

    /// Creates a record from its stored columns.
    public init(
        publishedGeneration: Int64, publishedAt: Timestamp, publishedReason: Reason, attempts: Int, progressMark: String,
        servedRequestSeq: Int64 = 0
    ) {
        self.publishedGeneration = publishedGeneration
        self.publishedAt = publishedAt
        self.publishedReason = publishedReason
        self.attempts = attempts
        self.progressMark = progressMark
        self.servedRequestSeq = servedRequestSeq
    }
}
