/// A capped exponential backoff: the delay before retry `n` (1-based) is `min(base * 2^(n-1), max)`,
/// optionally scaled by a jitter factor. The one retry-delay rule of every module that waits (the
/// Sentinel's decisions, its poll and publish retries, the LISTEN reconnect, the adapter's API client).
///
/// Delays are whole microseconds and saturate instead of trapping, so huge attempt counts or
/// settings are harmless and the Sentinel's thresholds compare exactly.
public struct Backoff: Sendable, Equatable {
    /// The delay before the first retry.
    public var base: Duration
    /// No delay is longer than this (before jitter).
    public var max: Duration

    /// Creates a backoff of `base`, doubling per attempt, capped at `max`.
    public init(base: Duration, max: Duration) {
        self.base = base
        self.max = max
    }

    /// The delay before retry `attempt` (1-based), times `jitter`; zero when `attempt <= 0`.
    public func delay(attempt: Int, jitter: Double = 1) -> Duration {
        guard attempt >= 1 else { return .zero }
        let capped = Self.cappedExponential(attempts: attempt, base: Microseconds.of(base), max: Microseconds.of(max))
        guard jitter != 1 else { return .microseconds(capped) }
        return .microseconds(Microseconds.clamped((Double(capped) * jitter).rounded()))
    }

    /// min(base * 2^(n-1), max) in microseconds without overflow; non-positive inputs give 0.
    static func cappedExponential(attempts n: Int, base: Int64, max: Int64) -> Int64 {
        guard base > 0, max > 0 else { return 0 }
        var delay = base
        var doublings = n - 1
        // Stops as soon as the cap is reached, so huge attempt counts cost at most 63 steps.
        while doublings > 0 && delay < max {
            delay = Microseconds.multiply(delay, 2)
            doublings -= 1
        }
        return Swift.min(delay, max)
    }
}
