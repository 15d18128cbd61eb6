import NIOPosix
import Synchronization

/// Dedicated threads for blocking libpq calls, so they never occupy Swift's cooperative thread pool.
final class BlockingWorkers: Sendable {
    private let threadPool: NIOThreadPool
    private let isShutDown = Mutex(false)

    init(threads: Int) {
        threadPool = NIOThreadPool(numberOfThreads: max(1, threads))
        threadPool.start()
    }

    deinit { shutdown() }

    /// Runs `work` on a worker thread; fails with `.poolClosed` once shut down.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await threadPool.runIfActive(work)
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw PostgresError.poolClosed
        }
    }

    /// Runs `work` on a worker thread without waiting for it (cleanup, cancel requests);
    /// skipped once shut down (connections then close when their last reference goes away).
    func runDetached(_ work: @escaping @Sendable () -> Void) {
        runDetached(work, ifShutDown: {})
    }

    /// Runs `work` on a worker thread without waiting for it, or `ifShutDown` (on some thread) instead
    /// once the threads are shut down, so that whatever `work` would have released is released.
    func runDetached(_ work: @escaping @Sendable () -> Void, ifShutDown: @escaping @Sendable () -> Void) {
        threadPool.submit { state in
            if case .active = state { work() } else { ifShutDown() }
        }
    }

    /// Stops the threads once queued work has run (idempotent, does not wait).
    func shutdown() {
        let alreadyDone = isShutDown.withLock { done in
            defer { done = true }
            return done
        }
        if !alreadyDone { threadPool.shutdownGracefully { _ in } }
    }
}
