import Foundation
import HyperFleetModel
import SentinelCore
import Synchronization

/// Where decisions get `now`: never the database's clock, so tests can move time.
public protocol SentinelClock: Sendable {
    func now() -> Timestamp
}

/// The machine's wall clock.
public struct SystemSentinelClock: SentinelClock {
    public init() {}
    public func now() -> Timestamp { Timestamp.now() }
}

/// A clock that tests move by hand.
public final class ManualSentinelClock: SentinelClock {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp = Timestamp.now()) {
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0 + duration }
    }

    public func set(_ instant: Timestamp) {
        current.withLock { $0 = instant }
    }
}
