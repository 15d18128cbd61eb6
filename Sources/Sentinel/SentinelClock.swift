import Foundation
import HyperFleetModel
import SentinelCore
import Synchronization

/// Where decisions get `now`: never the database's clock, so tests can move time.
public protocol SentinelClock: Sendable {
    func now() -> Instant
}

/// The machine's wall clock.
public struct SystemSentinelClock: SentinelClock {
    public init() {}
    public func now() -> Instant { Instant(Date()) }
}

/// A clock that tests move by hand.
public final class ManualSentinelClock: SentinelClock {
    private let current: Mutex<Instant>

    public init(_ start: Instant = Instant(Date())) {
        current = Mutex(start)
    }

    public func now() -> Instant { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0 + duration }
    }

    public func set(_ instant: Instant) {
        current.withLock { $0 = instant }
    }
}

extension Instant {
    /// RFC 3339 text PostgreSQL accepts for timestamptz parameters.
    var sqlText: String { Timestamp(microsecondsSinceEpoch: microseconds).rfc3339 }
}
