import HyperFleetModel

/// The outcome of one look at a resource.
public struct Decision: Sendable, Equatable {
    /// Publish now with this reason, or nil.
    public var publish: Reason?
    /// When to look again if nothing changes (nil = only on change).
    public var nextDueAt: Timestamp?
    /// Fingerprint to store.
    public var progressMark: String
    /// Attempts to store BEFORE this publish is counted (reset to 0 on a new mark).
    public var attempts: Int

    /// Creates a decision.
    public init(publish: Reason?, nextDueAt: Timestamp?, progressMark: String, attempts: Int) {
        self.publish = publish
        self.nextDueAt = nextDueAt
        self.progressMark = progressMark
        self.attempts = attempts
    }
}
