import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import SentinelCore
import Synchronization
import Timing
import HyperFleetModel

/// What the engine needs to know; built from `SentinelConfiguration` by the executable or a test.
public struct SentinelSettings: Sendable {
    public var types: [WatchedType] = WatchedType.allCases
    public var decisions = DecisionSettings()
    public var batchSize = 500
    public var claimLease: Duration = .seconds(30)
    public var publishRetryBase: Duration = .seconds(1)
    public var publishRetryMax: Duration = .seconds(30)
    public var topics: [WatchedType: String] = [.clusters: "hyperfleet-clusters", .nodepools: "hyperfleet-nodepools"]
    public var alertsTopic = "hyperfleet-alerts"
    public var source = "hyperfleet-sentinel"
    public var eventMode: CloudEventMode = .binary
    /// Label selector JSON (e.g. `{"shard":"a"}`) for static sharding, or nil.
    public var selectorJSON: String?
    public var staleAdapterAfter: Duration = .seconds(3600)
    public var staleAlertEvents = true
    public var stuckAfter: Duration = .seconds(1800)
    public var stuckDeleteAfter: Duration = .seconds(1800)
    public var stuckAlertEvents = true
    public var historyRetention: Duration = .seconds(7 * 86400)
    public init() {}
}

/// A decision that publishes, between claim and record. `package` (opaque outside this module) only
/// so that the benchmark can time `plan` alone.
package struct PendingPublish: Sendable {
    var state: ResourceState
    var decision: Decision
    var reason: Reason
    /// When the resource became due (for publish lag).
    var dueAt: Timestamp
}

/// What one look did, for metrics, tests and the loop's pacing.
public struct LookResult: Sendable, Equatable {
    public var changed = 0
    public var due = 0
    public var published = 0
    public var failed = 0
    /// True when a batch limit was hit and more work may be waiting.
    public var moreWaiting = false
}

/// The Sentinel's work for one resource type: find what changed or fell due, decide, claim,
/// publish, record. A look costs O(changed + due): both come from indexes.
public final class SentinelEngine: Sendable {
    let store: SentinelStore
    let producer: KafkaProducer
    let settings: SentinelSettings
    let clock: any SentinelClock
    let events: ReconcileEvents
    let metrics: SentinelMetrics
    let logger: Logger
    /// Unique per process: claims name their owner.
    public let replicaID: String
    private let consecutiveFailures = Mutex<[WatchedType: Int]>([:])

    public init(
        pool: PostgresPool, producer: KafkaProducer, settings: SentinelSettings, clock: any SentinelClock = SystemSentinelClock(),
        logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory, replicaID: String = "\(ProcessInfo.processInfo.hostName)-\(UUID().uuidString.prefix(8))"
    ) {
        self.store = SentinelStore(pool: pool)
        self.producer = producer
        self.settings = settings
        self.clock = clock
        self.events = ReconcileEvents(source: settings.source, mode: settings.eventMode, topics: settings.topics, alertsTopic: settings.alertsTopic)
        self.metrics = SentinelMetrics(factory: metricsFactory)
        self.logger = logger
        self.replicaID = replicaID
    }

    /// Writes the settings row of every watched type (what the reconciliation views need of this
    /// replica's configuration); each replica does so at start-up, the last one wins.
    public func writeSettings() async throws {
        try await store.writeSettings(settings.types, settings: settings, by: replicaID, at: clock.now())
    }

    /// One look at `type`: decide and claim in one transaction, then publish and record.
    @discardableResult
    public func look(_ type: WatchedType) async throws -> LookResult {
        let started = ContinuousClock.now
        let (pending, result) = try await plan(type)
        var outcome = result
        if !pending.isEmpty {
            let (published, failed) = try await publish(type, pending)
            outcome.published = published
            outcome.failed = failed
        }
        metrics.recordLook(type, outcome, duration: ContinuousClock.now - started, at: clock.now())
        return outcome
    }

    /// Finds changed and due resources, decides, writes records and claims, in one transaction.
    /// `package` so that the benchmark (Sources/SentinelBench) can time a look without its publish.
    package func plan(_ type: WatchedType) async throws -> ([PendingPublish], LookResult) {
        let now = clock.now()
        let limit = settings.batchSize
        return try await store.pool.withTransaction { connection in
            var result = LookResult()
            let changed = try await store.takeChanges(type, limit: limit, on: connection)
            let wanted = try await store.matching(type, ids: changed, selector: settings.selectorJSON, on: connection)
            let changedHere = changed.filter { wanted.contains($0) }
            try await store.ensureRecords(type, ids: changedHere, on: connection)
            let lockedChanged = try await store.lockRecords(type, ids: changedHere, now: now, on: connection)
            let lockedChangedIDs = Set(lockedChanged.map(\.id))
            // Held by another replica (or in flight): look again after it is recorded.
            try await store.requeue(type, ids: changedHere.filter { !lockedChangedIDs.contains($0) }, on: connection)
            // Not ours under static sharding: leave them to their shard.
            try await store.requeue(type, ids: changed.filter { !wanted.contains($0) }, on: connection)
            // Locked, read and joined with the resources in one statement.
            let due = try await store.lockDue(type, now: now, limit: limit, selector: settings.selectorJSON, on: connection)
            result.changed = changed.count
            result.due = due.count
            result.moreWaiting = changed.count >= limit || due.count >= limit
            metrics.due(type, due.count)

            let dueIDs = Set(due.map(\.id))
            var locked = due
            locked.append(contentsOf: lockedChanged.filter { !dueIDs.contains($0.id) })
            try await store.deleteRecords(type, ids: locked.filter { $0.resource == nil }.map(\.id), on: connection)
            let states = try await store.states(type, locked, on: connection)

            var writes: [SentinelStore.LockedWrite] = []
            var pending: [PendingPublish] = []
            writes.reserveCapacity(states.count)
            let claimExpiry = now + settings.claimLease
            for (row, state) in states {
                let decision = DecisionRules.decide(state.observation, record: state.record, now: now, settings: settings.decisions)
                if let reason = decision.publish {
                    // Claimed and due now: if this process dies, the claim expires and another picks it up.
                    writes.append(.init(
                        locked: row, attempts: decision.attempts, progressMark: decision.progressMark,
                        nextDueAt: now, nextReason: reason, claimedBy: replicaID, claimExpiresAt: claimExpiry))
                    pending.append(PendingPublish(state: state, decision: decision, reason: reason, dueAt: min(state.dueAt ?? now, now)))
                } else {
                    writes.append(.init(
                        locked: row, attempts: decision.attempts, progressMark: decision.progressMark, nextDueAt: decision.nextDueAt,
                        nextReason: decision.nextReason))
                }
            }
            try await store.writeLocked(type, writes, now: now, on: connection)
            return (pending, result)
        }
    }

    /// Publishes claimed decisions, then records what was acknowledged and releases what failed.
    /// `package` so that the benchmark can split a look's time between plan and publish.
    package func publish(_ type: WatchedType, _ pending: [PendingPublish]) async throws -> (published: Int, failed: Int) {
        let sentAt = Date()
        let events = pending.map { self.events.reconcile(type, state: $0.state, reason: $0.reason, at: sentAt) }
        let results = await producer.send(events.map(\.message))
        let acknowledgedAt = clock.now()
        var writes: [SentinelStore.RecordWrite] = []
        var failedIDs: [String] = []
        for ((item, event), result) in zip(zip(pending, events), results) {
            let resource = item.state.observation
            let metadata: Logger.Metadata = [
                "resource_type": "\(type.rawValue)", "id": "\(resource.id)", "reason": "\(item.reason.rawValue)",
                "generation": "\(resource.generation)", "event_id": "\(event.id)",
            ]
            switch result {
            case .success:
                logger.debug("published", metadata: metadata)
                let record = DecisionRules.recorded(item.decision, snapshot: resource, reason: item.reason, at: acknowledgedAt)
                // The decision assumed acknowledgement at its `now`; ask again with the real time.
                let next = DecisionRules.decide(resource, record: record, now: acknowledgedAt, settings: settings.decisions)
                writes.append(.init(
                    id: resource.id, record: record,
                    nextDueAt: next.publish == nil ? next.nextDueAt : acknowledgedAt + settings.decisions.debounce,
                    nextReason: next.publish ?? next.nextReason, eventID: event.id))
                metrics.published(type, reason: item.reason, lag: acknowledgedAt - item.dueAt)
            case .failure(let error):
                failedIDs.append(resource.id)
                logger.warning("publish failed; resource stays due", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
        if !writes.isEmpty {
            try await store.pool.withTransaction { connection in
                try await store.write(type, writes, actor: replicaID, at: acknowledgedAt, on: connection)
            }
        }
        if !failedIDs.isEmpty {
            metrics.publishFailures(type, failedIDs.count)
            let retry = retryDelay(type, failed: true)
            try await store.releaseClaims(type, ids: failedIDs, owner: replicaID, dueAt: acknowledgedAt + retry)
        } else {
            _ = retryDelay(type, failed: false)
        }
        return (writes.count, failedIDs.count)
    }

    /// Capped exponential delay for retrying failed publishes; resets after a clean batch.
    private func retryDelay(_ type: WatchedType, failed: Bool) -> Duration {
        consecutiveFailures.withLock { counts in
            guard failed else {
                counts[type] = 0
                return .zero
            }
            let attempt = (counts[type] ?? 0) + 1
            counts[type] = attempt
            return Backoff(base: settings.publishRetryBase, max: settings.publishRetryMax).delay(attempt: attempt)
        }
    }
}
