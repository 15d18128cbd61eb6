import Timing

extension DecisionRules {
    /// backoff(n) = min(base * 2^(n-1), max) * jitter(id, n) for n >= 1; zero when n <= 0.
    /// Whole microseconds, so thresholds compare exactly.
    public static func backoff(attempts n: Int, base: Duration, max: Duration, resourceID: String) -> Duration {
        Backoff(base: base, max: max).delay(attempt: n, jitter: jitter(resourceID: resourceID, attempt: n))
    }

    /// A deterministic factor in [0.9, 1.1] from a hash of (resource id, attempt), so that
    /// resources stuck together spread out while the rules stay pure functions.
    public static func jitter(resourceID: String, attempt: Int) -> Double {
        var hash = FNV1a64()
        hash.add(resourceID)
        hash.add(Int64(attempt))
        // Top 53 bits give a uniform Double in [0, 1).
        let unit = Double(hash.mixed >> 11) / 9_007_199_254_740_992.0
        return Swift.min(1.1, 0.9 + 0.2 * unit)
    }
}
