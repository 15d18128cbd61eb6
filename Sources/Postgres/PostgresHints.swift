import Logging
import Synchronization

/// NOTIFYs sent after the fact, coalesced per payload: at most one in flight, and a request made while
/// one is in flight causes exactly one more after it. So every request is followed by a NOTIFY that
/// starts after the request was made (a listener woken by it sees what the requester committed), and a
/// burst of requests costs two NOTIFYs, not one per request.
///
/// Why not NOTIFY inside the writer's transaction: PostgreSQL serializes the commits of all
/// transactions that notified (one server-wide lock, held through the commit's WAL flush).
public final class PostgresHints: Sendable {
    private let pool: PostgresPool
    private let channel: String
    private let logger: Logger
    private let state = Mutex(NotifyCoalescing())

    public init(pool: PostgresPool, channel: String, logger: Logger) {
        self.pool = pool
        self.channel = channel
        self.logger = logger
    }

    /// Requests a NOTIFY of `payload` on the channel; returns at once. Failures are logged at debug
    /// level and dropped: a hint is never needed for correctness.
    public func notify(_ payload: String) {
        guard state.withLock({ $0.request(payload) }) else { return }
        Task { [self] in
            repeat {
                do {
                    _ = try await pool.query("SELECT pg_notify($1, $2)", [channel, payload])
                } catch {
                    logger.debug("hint not sent", metadata: ["channel": "\(channel)", "payload": "\(payload)", "error": "\(error)"])
                }
            } while state.withLock({ $0.sent(payload) })
        }
    }
}

/// The state of `PostgresHints`, per payload, without I/O.
struct NotifyCoalescing: Sendable {
    private enum Sending: Sendable {
        case once
        case onceMore
    }

    private var sending: [String: Sending] = [:]

    /// A request for `payload`: true when the caller must start sending it now (none in flight).
    mutating func request(_ payload: String) -> Bool {
        switch sending[payload] {
        case nil:
            sending[payload] = .once
            return true
        case .once:
            sending[payload] = .onceMore
            return false
        case .onceMore:
            return false
        }
    }

    /// A send of `payload` finished: true when it must be sent again (requests came in meanwhile).
    mutating func sent(_ payload: String) -> Bool {
        if sending[payload] == .onceMore {
            sending[payload] = .once
            return true
        }
        sending[payload] = nil
        return false
    }
}
