import Timing

/// The durations the decision rules use; defaults are those of SENTINEL.md.
public struct DecisionSettings: Sendable, Equatable {
    /// First retry delay for a NotReady (or deleting) resource (`not_ready_backoff_base`).
    public var notReadyBackoffBase: Duration = .seconds(10)
    /// Cap of the NotReady backoff (`not_ready_backoff_max`).
    public var notReadyBackoffMax: Duration = .seconds(300)
    /// First retry delay for a Failed resource (`failed_backoff_base`).
    public var failedBackoffBase: Duration = .seconds(30)
    /// Cap of the Failed backoff (`failed_backoff_max`).
    public var failedBackoffMax: Duration = .seconds(1800)
    /// Quiet time after the newest adapter report before a backoff event (`debounce`).
    public var debounce: Duration = .seconds(10)
    /// Age after which a Ready resource gets a `ready_stale` event (`max_age_ready`).
    public var maxAgeReady: Duration = .seconds(1800)

    /// Creates the default settings; change fields as needed.
    public init() {}
}

extension DecisionSettings {
    /// nil if the settings are usable; else a message naming the offending configuration key.
    public func problem() -> String? {
        let named: [(key: String, value: Duration)] = [
            ("not_ready_backoff_base", notReadyBackoffBase), ("not_ready_backoff_max", notReadyBackoffMax),
            ("failed_backoff_base", failedBackoffBase), ("failed_backoff_max", failedBackoffMax),
            ("debounce", debounce), ("max_age_ready", maxAgeReady),
        ]
        // Sub-microsecond values round to zero in the rules, so they count as non-positive too.
        if let bad = named.first(where: { Microseconds.of($0.value) <= 0 }) {
            return "\(bad.key) must be positive (at least 1 microsecond), got \(bad.value)"
        }
        if notReadyBackoffBase > notReadyBackoffMax {
            return "not_ready_backoff_base (\(notReadyBackoffBase)) must not exceed not_ready_backoff_max (\(notReadyBackoffMax))"
        }
        if failedBackoffBase > failedBackoffMax {
            return "failed_backoff_base (\(failedBackoffBase)) must not exceed failed_backoff_max (\(failedBackoffMax))"
        }
        return nil
    }
}
