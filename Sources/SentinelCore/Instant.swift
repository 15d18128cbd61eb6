import Foundation

/// A point in time as whole microseconds since the Unix epoch (UTC); the Sentinel's injected clock speaks this.
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    /// Creates an instant from microseconds since the Unix epoch.
    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    /// Creates an instant from a `Date`, rounded to the nearest microsecond (PostgreSQL's precision).
    public init(_ date: Date) {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        self.microseconds = Microseconds.clamped(micros)
    }

    /// The Unix epoch.
    public static let epoch = Instant(microseconds: 0)

    /// This instant as a `Date` (for logging and SQL bindings outside this module).
    public var date: Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    /// A readable rendering such as `@12.5s` (seconds since the epoch).
    public var description: String {
        "@" + Microseconds.format(microseconds)
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// The instant `rhs` later (saturating at the representable range).
    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(microseconds: Microseconds.add(lhs.microseconds, Microseconds.of(rhs)))
    }

    /// The instant `rhs` earlier (saturating at the representable range).
    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(microseconds: Microseconds.subtract(lhs.microseconds, Microseconds.of(rhs)))
    }

    /// The time from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .microseconds(Microseconds.subtract(lhs.microseconds, rhs.microseconds))
    }

    /// Moves this instant later by `rhs`.
    public static func += (lhs: inout Instant, rhs: Duration) {
        lhs = lhs + rhs
    }
}
