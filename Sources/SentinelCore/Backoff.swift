extension DecisionRules {
    /// backoff(n) = min(base * 2^(n-1), max) * jitter(id, n) for n >= 1; zero when n <= 0.
    /// Whole microseconds, so thresholds compare exactly.
    public static func backoff(attempts n: Int, base: Duration, max: Duration, resourceID: String) -> Duration {
        guard n >= 1 else { return .zero }
        let capped = cappedExponential(attempts: n, base: Microseconds.of(base), max: Microseconds.of(max))
        let jittered = (Double(capped) * jitter(resourceID: resourceID, attempt: n)).rounded()
        return .microseconds(Microseconds.clamped(jittered))
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
