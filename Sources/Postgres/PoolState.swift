/// What a borrower receives from the pool: an idle session, or permission to open a new one.
enum PoolLease: Sendable {
    case existing(LibPQConnection)
    case openNew
}

/// A task waiting for a connection (FIFO).
struct PoolWaiter {
    let id: UInt64
    let continuation: CheckedContinuation<PoolLease, Error>
    let timeoutTask: Task<Void, Never>

    func resume(with result: Result<PoolLease, Error>) {
        timeoutTask.cancel()
        continuation.resume(with: result)
    }
}

/// The pool's bookkeeping; every mutation happens under the pool's lock and never blocks.
struct PoolState {
    let capacity: Int
    /// Sessions open, being opened, or lent out.
    var open = 0
    var idle: [LibPQConnection] = []
    var waiters: [PoolWaiter] = []
    var isClosed = false
    private var lastWaiterID: UInt64 = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func nextWaiterID() -> UInt64 {
        lastWaiterID += 1
        return lastWaiterID
    }

    /// A lease available right now without waiting, if any (respecting FIFO order of waiters).
    mutating func leaseWithoutWaiting() -> PoolLease? {
        guard waiters.isEmpty else { return nil }
        if let connection = idle.popLast() { return .existing(connection) }
        if open < capacity {
            open += 1
            return .openNew
        }
        return nil
    }

    mutating func removeWaiter(_ id: UInt64) -> PoolWaiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index)
    }

    /// A borrower is done with a healthy session: hand it to the first waiter or keep it idle.
    mutating func returnHealthy(_ connection: LibPQConnection) -> (PoolWaiter, PoolLease)? {
        if !waiters.isEmpty { return (waiters.removeFirst(), .existing(connection)) }
        idle.append(connection)
        return nil
    }

    /// A session left the pool (broken, closed, or failed to open): its slot may go to a waiter.
    mutating func releaseSlot() -> (PoolWaiter, PoolLease)? {
        open -= 1
        guard !isClosed, !waiters.isEmpty else { return nil }
        open += 1
        return (waiters.removeFirst(), .openNew)
    }

    var statistics: PoolStatistics {
        PoolStatistics(open: open, idle: idle.count, inUse: open - idle.count, waiting: waiters.count)
    }
}

/// A snapshot of pool usage.
public struct PoolStatistics: Sendable, Equatable {
    /// Sessions open or being opened (idle + inUse).
    public var open: Int
    public var idle: Int
    public var inUse: Int
    /// Tasks waiting for a connection.
    public var waiting: Int

    /// Creates a snapshot.
    public init(open: Int, idle: Int, inUse: Int, waiting: Int) {
        self.open = open
        self.idle = idle
        self.inUse = inUse
        self.waiting = waiting
    }
}
