import HyperFleetModel

/// The outcome of one look at a resource.
public struct Decision: Sendable, Equatable {
    /// Publish now with this reason, or nil.
    public var publish: Reason?
    /// When to look again if nothing changes (nil = only on change).
    public var nextDueAt: Timestamp?
    /// The rule that would publish at `nextDueAt` (nil when `nextDueAt` is nil): what the
    /// reconciliation view shows as `next`.
    public var nextReason: Reason?
    /// Fingerprint to store.
    public var progressMark: String
    /// Attempts to store BEFORE this publish is counted (reset to 0 on a new mark).
    public var attempts: Int

    /// Creates a decision.
    public init(publish: Reason?, nextDueAt: Timestamp?, nextReason: Reason? = nil, progressMark: String, attempts: Int) {
        self.publish = publish
        self.nextDueAt = nextDueAt
        self.nextReason = nextDueAt == nil ? nil : nextReason
        self.progressMark = progressMark
        self.attempts = attempts
    }
}
