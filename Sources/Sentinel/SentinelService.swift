import Foundation
import Kafka
import Logging
import Postgres
import ServiceLifecycle
import Synchronization
import Timing

/// Wakes the loop early: a NOTIFY from the API's commit, or shutdown (which also stops it).
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)

    /// True once `stop()` was called.
    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Stops the loop: no new look starts, and a wait in progress returns.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        signal()
    }

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns on a signal or after `timeout`, whichever comes first.
    func wait(timeout: Duration) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self?.signal() }
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }
}

/// The daemon: looks at each watched type whenever woken (NOTIFY) or every poll interval, checks
/// adapter liveness and stuck resources every stale-check interval, and on graceful shutdown starts no
/// new look, finishes the ones in progress (at most two, `SentinelEngine.drain`: their deliveries are
/// awaited and recorded), then stops.
public struct SentinelService: Service {
    let engine: SentinelEngine
    let listenConfiguration: PostgresConfiguration
    let pollInterval: Duration
    let staleCheckInterval: Duration
    let shutdownTimeout: Duration
    let historyTrimInterval: Duration

    public init(
        engine: SentinelEngine, listenConfiguration: PostgresConfiguration, pollInterval: Duration, staleCheckInterval: Duration,
        shutdownTimeout: Duration, historyTrimInterval: Duration = .seconds(60)
    ) {
        self.engine = engine
        self.listenConfiguration = listenConfiguration
        self.pollInterval = pollInterval
        self.staleCheckInterval = staleCheckInterval
        self.shutdownTimeout = shutdownTimeout
        self.historyTrimInterval = historyTrimInterval
    }

    public func run() async throws {
        let wake = WakeSignal()
        let logger = engine.logger
        let types = engine.settings.types
        let listener = Task {
            for await event in postgresNotifications(configuration: listenConfiguration, channels: ["hyperfleet_sentinel"], logger: logger) {
                switch event {
                case .notification(_, let payload):
                    if types.contains(where: { $0.rawValue == payload }) { wake.signal() }
                case .reconnected:
                    wake.signal()  // notifications may have been missed: drain the durable queue
                }
            }
        }
        let monitor = StaleAdapterMonitor(engine: engine)
        let stuckMonitor = StuckResourceMonitor(engine: engine)
        let staleChecks = Task {
            while !Task.isCancelled {
                for type in types {
                    do { try await monitor.check(type) } catch {
                        logger.warning("stale-adapter check failed", metadata: ["error": "\(error)"])
                    }
                    do { try await stuckMonitor.check(type) } catch {
                        logger.warning("stuck-resources check failed", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: staleCheckInterval)
            }
        }
        // The settings row the reconciliation views read (retried until the database answers), then
        // the history trim every history_trim_interval.
        let trimmer = HistoryTrimmer(engine: engine)
        let historyTrimInterval = self.historyTrimInterval
        let maintenance = Task {
            var settingsWritten = false
            while !Task.isCancelled {
                if !settingsWritten {
                    do {
                        try await engine.writeSettings()
                        settingsWritten = true
                    } catch {
                        logger.warning("could not write the settings row; retrying", metadata: ["error": "\(error)"])
                    }
                }
                do { try await trimmer.trim() } catch {
                    logger.warning("history trim failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: settingsWritten ? historyTrimInterval : min(historyTrimInterval, .seconds(2)))
            }
        }
        let probes = Task {
            while !Task.isCancelled {
                engine.metrics.brokerUp(await engine.producer.isBrokerReachable(timeout: .seconds(2)))
                engine.metrics.databaseUp(await engine.store.pool.ping())
                try? await Task.sleep(for: .seconds(5))
            }
        }
        defer {
            listener.cancel()
            staleChecks.cancel()
            maintenance.cancel()
            probes.cancel()
        }
        logger.info("sentinel started", metadata: ["types": "\(types.map(\.rawValue))", "replica": "\(engine.replicaID)"])
        // Graceful shutdown and cancellation (the group's escalation when shutting down took too long)
        // both end the loop; a loop that went on after cancellation kept its whole group running.
        await withTaskCancellationOrGracefulShutdownHandler {
            await runLooks(types: types, wake: wake, logger: logger)
        } onCancelOrGracefulShutdown: {
            wake.stop()
        }
        await engine.producer.close(timeout: shutdownTimeout)
        logger.info("sentinel stopped")
    }

    /// Looks at each type whenever woken or every poll interval, until `wake` is stopped.
    private func runLooks(types: [WatchedType], wake: WakeSignal, logger: Logger) async {
        var failures = 0
        // A failed look is retried sooner than the next poll, but never in a tight loop.
        let lookRetry = Backoff(base: .milliseconds(500), max: min(pollInterval, .seconds(8)))
        while !wake.isStopped {
            do {
                for type in types {
                    try await engine.drain(type, while: { !wake.isStopped })
                }
                failures = 0
            } catch {
                failures += 1
                logger.warning("look failed; retrying", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                engine.metrics.databaseUp(await engine.store.pool.ping())
            }
            if wake.isStopped { break }
            await wake.wait(timeout: failures == 0 ? pollInterval : lookRetry.delay(attempt: failures))
        }
    }
}
