import Foundation
import HyperFleetTracing
import Kafka
import Logging
import Metrics
import Postgres
import SentinelCore
import Synchronization
import Timing
import Tracing
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
    /// The trace context stored with the change that made the resource due; the publish span continues
    /// it. Nil when tracing is off, when the rule is time-driven, or when the change stored none.
    var changeTrace: TraceHeaders? = nil
}

/// What `plan` found, with what only a traced look needs.
private struct Plan: Sendable {
    var pending: [PendingPublish]
    var result: LookResult
    /// Change rows taken (a resource may have several).
    var changeRows = 0
    var decided = 0
    /// The trace contexts of the changes this look served (locked and decided, not requeued).
    var servedChangeTraces: [TraceHeaders] = []
    /// Changes that moved a resource's progress mark, its event waiting for the debounce: remembered once
    /// the look's transaction committed.
    var progressChanges: [(id: String, headers: TraceHeaders)] = []
}

/// What one look did, for metrics, tests and the loop's pacing.
public struct LookResult: Sendable, Equatable {
    public var changed = 0
    public var due = 0
    public var published = 0
    public var failed = 0
    /// True when a batch limit was hit and more work may be waiting.
    public var moreWaiting = false
    /// How many looks these figures sum (`drain` sums several).
    public var looks = 1
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
    /// Nil: tracing off (no spans, nothing read from or written to the change rows' trace columns, no
    /// `ce_traceparent`).
    let tracer: (any Tracer)?
    /// Traced only: contexts of changes whose event waits for the debounce.
    let progressTraces = ProgressTraces()
    /// Unique per process: claims name their owner.
    public let replicaID: String
    private let consecutiveFailures = Mutex<[WatchedType: Int]>([:])

    public init(
        pool: PostgresPool, producer: KafkaProducer, settings: SentinelSettings, clock: any SentinelClock = SystemSentinelClock(),
        logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory, tracer: (any Tracer)? = nil,
        replicaID: String = "\(ProcessInfo.processInfo.hostName)-\(UUID().uuidString.prefix(8))"
    ) {
        self.store = SentinelStore(pool: pool)
        self.producer = producer
        self.settings = settings
        self.clock = clock
        self.events = ReconcileEvents(source: settings.source, mode: settings.eventMode, topics: settings.topics, alertsTopic: settings.alertsTopic)
        self.metrics = SentinelMetrics(factory: metricsFactory)
        self.logger = logger
        self.tracer = tracer
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
        try await finish(type, try await begin(type))
    }

    /// Looks at `type` until a look finds nothing more waiting or `keepGoing` answers false, with
    /// the next look's plan (find, decide, claim: PostgreSQL's work) made while the previous look's
    /// events are published and recorded (Kafka's and the record's), so that neither waits for the
    /// other. At most one look is in flight while the next one plans: two batches in memory at most.
    /// The plan cannot take what the look in flight holds: its records are claimed (committed before
    /// it publishes), and claimed records are skipped; a change to one of them is queued again and
    /// served once the claim is released. Every planned look is finished before this returns or throws
    /// (its events published and recorded, or its claims released), so a graceful stop loses nothing.
    /// Returns the sums over the looks made.
    @discardableResult
    public func drain(_ type: WatchedType, while keepGoing: @Sendable () -> Bool = { true }) async throws -> LookResult {
        var total = LookResult(looks: 0)
        var planned: PlannedLook? = try await begin(type)
        while let current = planned {
            async let finished = finish(type, current)
            planned = nil
            var planError: (any Error)?
            if current.result.moreWaiting, keepGoing() {
                do { planned = try await begin(type) } catch { planError = error }
            }
            let outcome: LookResult
            do {
                outcome = try await finished
            } catch {
                // The next look's claims are committed: publish it rather than leave them to expire.
                if let planned { _ = try? await finish(type, planned) }
                throw error
            }
            total.changed += outcome.changed
            total.due += outcome.due
            total.published += outcome.published
            total.failed += outcome.failed
            total.looks += 1
            total.moreWaiting = outcome.moreWaiting
            if let planError { throw planError }
        }
        return total
    }

    /// A look whose plan is committed (its publishes claimed) and whose events are not yet sent.
    private struct PlannedLook: Sendable {
        var plan: Plan
        /// The look's span (tracing on and work found).
        var span: (any Span)?
        var started: ContinuousClock.Instant
        var result: LookResult { plan.result }
    }

    /// The first half of a look: find, decide and claim in one transaction.
    private func begin(_ type: WatchedType) async throws -> PlannedLook {
        let started = ContinuousClock.now
        guard let tracer else { return PlannedLook(plan: try await makePlan(type), span: nil, started: started) }
        let startedAt = DefaultTracerClock.now
        let plan = try await makePlan(type)
        // An idle poll makes no span: the span starts (back-dated to the look's start) once there is work.
        let span = plan.result.changed > 0 || plan.result.due > 0 ? lookSpan(tracer, type, plan, startedAt: startedAt) : nil
        return PlannedLook(plan: plan, span: span, started: started)
    }

    /// The second half: publish what was claimed, record it, and account for the look.
    private func finish(_ type: WatchedType, _ look: PlannedLook) async throws -> LookResult {
        var outcome = look.result
        do {
            if !look.plan.pending.isEmpty {
                let (published, failed) = try await publish(type, look.plan.pending)
                outcome.published = published
                outcome.failed = failed
            }
        } catch {
            look.span?.recordError(error)
            look.span?.setStatus(.init(code: .error))
            look.span?.end()
            throw error
        }
        if let span = look.span {
            span.attributes[SentinelSpans.Attribute.eventsPublished] = outcome.published
            span.attributes[SentinelSpans.Attribute.eventsFailed] = outcome.failed
            span.end()
        }
        metrics.recordLook(type, outcome, duration: ContinuousClock.now - look.started, at: clock.now())
        return outcome
    }

    /// The span of a look that found work, linked to the changes it served (at most `maxLookLinks`).
    private func lookSpan(_ tracer: any Tracer, _ type: WatchedType, _ plan: Plan, startedAt: DefaultTracerClock.Instant) -> any Span {
        let span = tracer.startSpan(SentinelSpans.look, context: .topLevel, ofKind: .internal, at: startedAt)
        span.attributes[SentinelSpans.Attribute.resourceType] = type.rawValue
        span.attributes[SentinelSpans.Attribute.changesTaken] = plan.changeRows
        span.attributes[SentinelSpans.Attribute.resourcesDue] = plan.result.due
        span.attributes[SentinelSpans.Attribute.resourcesDecided] = plan.decided
        span.attributes[SentinelSpans.Attribute.linksDropped] = max(0, plan.servedChangeTraces.count - SentinelSpans.maxLookLinks)
        for headers in plan.servedChangeTraces.prefix(SentinelSpans.maxLookLinks) {
            let context = tracer.context(continuing: headers)
            // A malformed stored value extracts to nothing: no link to it.
            guard tracer.traceHeaders(of: context).traceparent != nil else { continue }
            span.addLink(SpanLink(context: context, attributes: [:]))
        }
        return span
    }

    /// Finds changed and due resources, decides, writes records and claims, in one transaction.
    /// `package` so that the benchmark (Sources/SentinelBench) can time a look without its publish.
    package func plan(_ type: WatchedType) async throws -> ([PendingPublish], LookResult) {
        let plan = try await makePlan(type)
        return (plan.pending, plan.result)
    }

    private func makePlan(_ type: WatchedType) async throws -> Plan {
        let now = clock.now()
        let limit = settings.batchSize
        let traced = tracer != nil
        let plan = try await store.pool.withTransaction { connection in
            var result = LookResult()
            let taken = try await store.takeChanges(type, limit: limit, traceContexts: traced, on: connection)
            let changed = taken.ids
            let wanted = try await store.matching(type, ids: changed, selector: settings.selectorJSON, on: connection)
            let changedHere = changed.filter { wanted.contains($0) }
            try await store.ensureRecords(type, ids: changedHere, on: connection)
            let lockedChanged = try await store.lockRecords(type, ids: changedHere, now: now, on: connection)
            let lockedChangedIDs = Set(lockedChanged.map(\.id))
            // Held by another replica (or in flight): look again after it is recorded.
            try await store.requeue(
                type, ids: changedHere.filter { !lockedChangedIDs.contains($0) }, traceContexts: taken.traceContexts, on: connection)
            // Not ours under static sharding: leave them to their shard.
            try await store.requeue(type, ids: changed.filter { !wanted.contains($0) }, traceContexts: taken.traceContexts, on: connection)
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
            var progressChanges: [(String, TraceHeaders)] = []
            writes.reserveCapacity(states.count)
            let claimExpiry = now + settings.claimLease
            for (row, state) in states {
                let decision = DecisionRules.decide(state.observation, record: state.record, now: now, settings: settings.decisions)
                if let reason = decision.publish {
                    // Claimed and due now: if this process dies, the claim expires and another picks it up.
                    writes.append(.init(
                        locked: row, attempts: decision.attempts, progressMark: decision.progressMark,
                        nextDueAt: now, nextReason: reason, claimedBy: replicaID, claimExpiresAt: claimExpiry))
                    var changeTrace: TraceHeaders?
                    if traced {
                        // Due because of a change: the event continues that change's trace; due by time: a
                        // new trace. Any publish ends what was remembered for the resource.
                        let remembered = progressTraces.take(type, row.id)
                        switch EventTrace(reason, attemptsBefore: decision.attempts) {
                        case .takenChange: changeTrace = taken.traceContexts[row.id]
                        case .progressChange: changeTrace = taken.traceContexts[row.id] ?? remembered
                        case .none: changeTrace = nil
                        }
                    }
                    pending.append(PendingPublish(
                        state: state, decision: decision, reason: reason, dueAt: min(state.dueAt ?? now, now), changeTrace: changeTrace))
                } else {
                    writes.append(.init(
                        locked: row, attempts: decision.attempts, progressMark: decision.progressMark, nextDueAt: decision.nextDueAt,
                        nextReason: decision.nextReason))
                    // A change that moved the progress mark: the next event waits for the debounce and
                    // continues this change's trace.
                    if traced, let next = decision.nextReason, EventTrace(next, attemptsBefore: decision.attempts) == .progressChange,
                        let headers = taken.traceContexts[row.id]
                    {
                        progressChanges.append((row.id, headers))
                    }
                }
            }
            try await store.writeLocked(type, writes, now: now, on: connection)
            var plan = Plan(pending: pending, result: result)
            if traced {
                plan.changeRows = taken.rows
                plan.decided = states.count
                plan.servedChangeTraces = lockedChanged.compactMap { taken.traceContexts[$0.id] }
                plan.progressChanges = progressChanges
            }
            return plan
        }
        for (id, headers) in plan.progressChanges { progressTraces.remember(type, id, headers) }
        return plan
    }

    /// Publishes claimed decisions, then records what was acknowledged and releases what failed.
    /// `package` so that the benchmark can split a look's time between plan and publish.
    package func publish(_ type: WatchedType, _ pending: [PendingPublish]) async throws -> (published: Int, failed: Int) {
        let sentAt = Date()
        let traced = tracer.map { tracer in (tracer: tracer, spans: pending.map { publishSpan(tracer, type, $0) }) }
        let events = pending.indices.map { index in
            self.events.reconcile(
                type, state: pending[index].state, reason: pending[index].reason, at: sentAt,
                trace: traced.map { ($0.tracer, $0.spans[index].context) })
        }
        let spans = traced?.spans
        if let spans {
            for (span, event) in zip(spans, events) { span.attributes[SentinelSpans.Attribute.messageID] = event.id }
        }
        let results = await producer.send(events.map(\.message))
        let acknowledgedAt = clock.now()
        var writes: [SentinelStore.RecordWrite] = []
        var failedIDs: [String] = []
        var publishedReasons: [Reason] = []
        var publishLags: [Duration] = []
        for (index, ((item, event), result)) in zip(zip(pending, events), results).enumerated() {
            let span = spans?[index]
            defer { span?.end() }
            let resource = item.state.observation
            // Built only when a line is written (a debug line per event is off by default).
            func metadata() -> Logger.Metadata {
                [
                    "resource_type": "\(type.rawValue)", "id": "\(resource.id)", "reason": "\(item.reason.rawValue)",
                    "generation": "\(resource.generation)", "event_id": "\(event.id)",
                ]
            }
            switch result {
            case .success:
                Self.whileActive(span) { logger.debug("published", metadata: metadata()) }
                let record = DecisionRules.recorded(item.decision, snapshot: resource, reason: item.reason, at: acknowledgedAt)
                // The decision assumed acknowledgement at its `now`; ask again with the real time.
                let next = DecisionRules.decide(resource, record: record, now: acknowledgedAt, settings: settings.decisions)
                writes.append(.init(
                    id: resource.id, record: record,
                    nextDueAt: next.publish == nil ? next.nextDueAt : acknowledgedAt + settings.decisions.debounce,
                    nextReason: next.publish ?? next.nextReason, eventID: event.id))
                publishedReasons.append(item.reason)
                publishLags.append(acknowledgedAt - item.dueAt)
            case .failure(let error):
                failedIDs.append(resource.id)
                span?.recordError(error)
                span?.setStatus(.init(code: .error))
                Self.whileActive(span) {
                    logger.warning("publish failed; resource stays due", metadata: metadata().merging(["error": "\(error)"]) { $1 })
                }
            }
        }
        // Counted as published once acknowledged, whether or not the record below is written.
        metrics.published(type, reasons: publishedReasons, lags: publishLags)
        if !writes.isEmpty {
            try await store.write(type, writes, actor: replicaID, at: acknowledgedAt)
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

    /// The message this engine publishes for a due cluster `id` (the ready-stale rule, binary or structured as
    /// configured): what the benchmark's bare producer sends, so that both send the same bytes.
    package func reconcileMessage(forCluster id: String, generation: Int64, at time: Date) -> KafkaMessage {
        let observation = ResourceObservation(id: id, kind: .cluster, generation: generation, createdTime: Timestamp(date: time), phase: .ready)
        return events.reconcile(.clusters, state: ResourceState(observation: observation), reason: .readyStale, at: time).message
    }

    /// The producer span of one event: a child of the change's stored trace context, or (time-driven, or
    /// nothing stored) the root of a new trace.
    private func publishSpan(_ tracer: any Tracer, _ type: WatchedType, _ item: PendingPublish) -> any Span {
        let parent = item.changeTrace.map { tracer.context(continuing: $0) } ?? .topLevel
        let span = tracer.startSpan(SentinelSpans.publish, context: parent, ofKind: .producer)
        let resource = item.state.observation
        span.attributes[SentinelSpans.Attribute.resourceType] = type.rawValue
        span.attributes[SentinelSpans.Attribute.resourceID] = resource.id
        span.attributes[SentinelSpans.Attribute.reason] = item.reason.rawValue
        span.attributes[SentinelSpans.Attribute.generation] = resource.generation
        span.attributes[SentinelSpans.Attribute.messagingSystem] = "kafka"
        if let topic = settings.topics[type] { span.attributes[SentinelSpans.Attribute.destination] = topic }
        return span
    }

    /// Runs `body` with `span` active, so that its log lines carry the span's `trace_id` and `span_id`.
    private static func whileActive(_ span: (any Span)?, _ body: () -> Void) {
        guard let span else { return body() }
        ServiceContext.withValue(span.context, operation: body)
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
