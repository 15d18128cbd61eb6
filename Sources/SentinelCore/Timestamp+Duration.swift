import HyperFleetModel
import Timing

// The decision rules move the shared `Timestamp` by `Duration`s in whole microseconds, saturating at
// the representable range, so that thresholds compare exactly and huge settings never trap.
extension Timestamp {
    /// The instant `rhs` later (saturating).
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: Microseconds.add(lhs.microsecondsSinceEpoch, Microseconds.of(rhs)))
    }

    /// The instant `rhs` earlier (saturating).
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: Microseconds.subtract(lhs.microsecondsSinceEpoch, Microseconds.of(rhs)))
    }

    /// The time from `rhs` to `lhs` (negative when `lhs` is earlier).
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        .microseconds(Microseconds.subtract(lhs.microsecondsSinceEpoch, rhs.microsecondsSinceEpoch))
    }

    /// Moves this instant later by `rhs`.
    public static func += (lhs: inout Timestamp, rhs: Duration) {
        lhs = lhs + rhs
    }
}
