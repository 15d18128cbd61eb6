/// Saturating arithmetic on whole microseconds, shared by timestamp arithmetic, backoff and settings checks.
///
/// Why: the Sentinel's rules compare whole microseconds so that "exactly at a threshold" is exact
/// (PostgreSQL stores microseconds), and configuration mistakes (huge durations) saturate instead of
/// trapping on overflow.
public enum Microseconds {
    /// Whole microseconds in `duration`, truncated toward zero, saturating at the Int64 range.
    public static func of(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return add(scaled, attoseconds / 1_000_000_000_000)
    }

    /// `a + b`, saturating.
    public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b < 0 ? .min : .max }
        return sum
    }

    /// `a - b`, saturating.
    public static func subtract(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return b < 0 ? .max : .min }
        return difference
    }

    /// `a * b`, saturating.
    public static func multiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { return (a < 0) != (b < 0) ? .min : .max }
        return product
    }

    /// A Double already rounded to whole microseconds, clamped into Int64 (NaN becomes 0).
    public static func clamped(_ value: Double) -> Int64 {
        if value.isNaN { return 0 }
        if value >= 9_223_372_036_854_775_807.0 { return .max }
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(value)
    }

    /// Renders microseconds as seconds with trailing zeros trimmed, e.g. `1990s` or `0.5s`.
    public static func format(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let whole = magnitude / 1_000_000
        let fraction = magnitude % 1_000_000
        guard fraction != 0 else { return "\(sign)\(whole)s" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(whole).\(digits)s"
    }
}
