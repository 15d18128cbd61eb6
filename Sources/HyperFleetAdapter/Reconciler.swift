import HyperFleetJSON
import HyperFleetModel
import Logging
import Tracing

/// The `crash` behaviour met an event: the process must go down (ADAPTER.md "Simulated behaviour").
public struct AdapterCrashError: Error, Sendable, CustomStringConvertible {
    public var adapter: String
    public var resource: String
    public var description: String { "adapter '\(adapter)' crashes on \(resource) (spec.simulate says crash)" }
}

/// One evaluation of one resource: fetch, decide, report (ADAPTER.md "For each event").
struct Reconciler: Sendable {
    /// What asked for the evaluation.
    enum Trigger: Sendable {
        /// A reconcile event from Kafka.
        case event
        /// An operator's reconcile-now (an event with reason `requested`): the job for the current
        /// generation runs again, preconditions first, even when it has finished.
        case requested
        /// A job's completion timer (the adapter reports by itself).
        case jobFinished

        /// The `hyperfleet.adapter.trigger` span attribute.
        var name: String {
            switch self {
            case .event: "event"
            case .requested: "requested"
            case .jobFinished: "job_finished"
            }
        }
    }

    let configuration: AdapterConfiguration
    let api: HyperFleetAPIClient
    let jobs: JobBook
    let locks: KeyedLock<AdapterTarget>
    let metrics: AdapterMetrics
    let logger: Logger
    /// Nil: tracing off.
    var tracer: (any Tracer)? = nil

    /// Evaluates `target` (serialized per resource). A 409 on the report makes it re-fetch and evaluate
    /// once more; a second 409 is left for the next event.
    func reconcile(_ target: AdapterTarget, trigger: Trigger) async throws -> AdapterMetrics.Outcome {
        try await locks.withLock(target) {
            let first = try await evaluate(target, trigger: trigger)
            guard first == .conflict else { return first }
            logger.debug("report conflicted (409); re-fetching once", metadata: ["resource": "\(target)"])
            return try await evaluate(target, trigger: trigger)
        }
    }

    /// Called by a job's timer (with the job's span active): report the finished job without waiting for
    /// an event.
    func jobFinished(_ target: AdapterTarget) async {
        do {
            _ = try await withEvaluationSpan(target, trigger: .jobFinished) {
                let outcome = try await reconcile(target, trigger: .jobFinished)
                logger.debug("job finished", metadata: ["resource": "\(target)", "outcome": "\(outcome.rawValue)"])
                return outcome
            }
        } catch is CancellationError {
            return
        } catch {
            logger.warning("could not report a finished job", metadata: ["resource": "\(target)", "error": "\(error)"])
        }
    }

    /// Runs `body` inside an `adapter evaluate` span, a child of `parent` (nil: the active context),
    /// recording its outcome; just `body` when tracing is off. `describe` adds the event's attributes.
    func withEvaluationSpan(
        _ target: AdapterTarget, trigger: Trigger, parent: ServiceContext? = nil, kind: SpanKind = .internal,
        describe: (any Span) -> Void = { _ in }, _ body: () async throws -> AdapterMetrics.Outcome
    ) async throws -> AdapterMetrics.Outcome {
        guard let tracer else { return try await body() }
        return try await tracer.withSpan(AdapterSpans.evaluate, context: parent ?? .current ?? .topLevel, ofKind: kind) { span in
            AdapterSpans.describe(span, adapter: configuration.name, target: target)
            span.attributes[AdapterSpans.Attribute.trigger] = trigger.name
            describe(span)
            let outcome = try await body()
            span.attributes[AdapterSpans.Attribute.outcome] = outcome.rawValue
            return outcome
        }
    }

    private func evaluate(_ target: AdapterTarget, trigger: Trigger) async throws -> AdapterMetrics.Outcome {
        let reply = try await api.get(target.path, .getResource(target))
        if reply.status == 404 {
            await jobs.forget(target)
            return .notFound
        }
        guard reply.status == 200 else { return refused("GET \(target.path)", reply) }
        let resource = try FetchedResource(json: try reply.json(), adapter: configuration.name)

        switch behaviour(for: resource, target: target) {
        case .silent:
            return .silent
        case .crash:
            // Only an event brings the process down; a timer of an older job just stays quiet.
            if trigger != .jobFinished { throw AdapterCrashError(adapter: configuration.name, resource: "\(target)") }
            return .silent
        case let behaviour:
            let now = ContinuousClock.now
            if trigger == .requested {
                // Reconcile-now: the job this generation ran (or runs) is over; start again from the
                // preconditions, so that a later event cannot re-report the old result.
                await jobs.forget(target)
            } else if let job = await jobs.job(target, generation: resource.generation) {
                // The job for this generation runs or ran: re-report its result, nothing else.
                return try await report(target, generation: resource.generation, job.conditions(at: now), outcome: .reported)
            }
            let statuses = try await api.get(target.path + "/statuses?pageSize=1000", .getStatuses(target))
            if statuses.status == 404 {
                await jobs.forget(target)
                return .notFound
            }
            guard statuses.status == 200 else { return refused("GET \(target.path)/statuses", statuses) }
            let reports = StoredReport.list(try statuses.json())
            let kind: SimulatedJob.Kind = resource.deleting ? .cleanup : .work

            if trigger != .requested, let own = reports[configuration.name],
                Self.alreadyDone(own, kind: kind, generation: resource.generation)
            {
                // Our own earlier report says this generation's job finished (before a restart): keep it,
                // unless this is a reconcile-now, which asks for the job to run again.
                let job = SimulatedJob.finished(kind, generation: resource.generation, now: now)
                await jobs.start(job, for: target, onFinish: nil)
                return try await report(target, generation: resource.generation, job.conditions(at: now), outcome: .reported)
            }
            if kind == .work {
                let waiting = try await unmetPreconditions(target, resource: resource, reports: reports)
                if !waiting.isEmpty {
                    return try await report(
                        target, generation: resource.generation, SimulatedJob.preconditionsNotMet(waiting),
                        outcome: .preconditionsNotMet)
                }
            }
            guard
                let job = SimulatedJob.start(
                    kind, behaviour: behaviour, generation: resource.generation, jobDuration: configuration.jobDuration, now: now)
            else { return .silent }
            let reconciler = self
            await jobs.start(job, for: target, span: jobSpan(job, target: target, behaviour: behaviour)) {
                await reconciler.jobFinished(target)
            }
            logger.debug("job started", metadata: [
                "resource": "\(target)", "generation": "\(resource.generation)", "behaviour": "\(behaviour.rawValue)",
            ])
            return try await report(target, generation: resource.generation, job.conditions(at: now), outcome: .reported)
        }
    }

    /// `spec.simulate.<adapter>` when it names a behaviour, else the configured default.
    private func behaviour(for resource: FetchedResource, target: AdapterTarget) -> AdapterBehaviour {
        guard let value = resource.simulate else { return configuration.behaviour }
        guard let behaviour = AdapterBehaviour(rawValue: value) else {
            logger.warning("unknown spec.simulate value; using the default behaviour", metadata: [
                "resource": "\(target)", "value": "\(value)", "default": "\(configuration.behaviour.rawValue)",
            ])
            return configuration.behaviour
        }
        return behaviour
    }

    static func alreadyDone(_ own: StoredReport, kind: SimulatedJob.Kind, generation: Int64) -> Bool {
        own.isTrue(kind == .work ? "Available" : "Finalized", atGeneration: generation)
    }

    /// What the adapter still waits for; empty when it may start its job.
    private func unmetPreconditions(
        _ target: AdapterTarget, resource: FetchedResource, reports: [String: StoredReport]
    ) async throws -> [String] {
        var waiting = configuration.preconditions
            .filter { !(reports[$0]?.isTrue("Available", atGeneration: resource.generation) ?? false) }
            .map { "\($0) (Available=True at generation \(resource.generation))" }
        if configuration.requireClusterReady, case .nodePool(let clusterID, _) = target {
            let reply = try await api.get(Paths.cluster(clusterID), .getCluster(clusterID))
            let phase = reply.status == 200 ? (try? reply.json())?.at("status.phase")?.stringValue : nil
            if phase != "Ready" { waiting.append("cluster \(clusterID) phase Ready (now \(phase ?? "unknown"))") }
        }
        return waiting
    }

    /// Posts a report at the fetched generation with `observed_time` = now.
    private func report(
        _ target: AdapterTarget, generation: Int64, _ conditions: [ReportedCondition], outcome: AdapterMetrics.Outcome
    ) async throws -> AdapterMetrics.Outcome {
        let body = Self.reportBody(adapter: configuration.name, generation: generation, observedTime: .now(), conditions: conditions)
        let reply: APIReply
        do {
            reply = try await api.post(target.path + "/statuses", json: body, .postStatus(target))
        } catch {
            metrics.countReport(code: "error")
            throw error
        }
        metrics.countReport(code: String(reply.status))
        switch reply.status {
        case 200, 201:
            return outcome
        case 404:
            await jobs.forget(target)
            return .notFound
        case 409:
            return .conflict
        default:
            return refused("POST \(target.path)/statuses", reply)
        }
    }

    /// The span of a job starting now, a child of the active evaluation; `JobBook` ends it.
    private func jobSpan(_ job: SimulatedJob, target: AdapterTarget, behaviour: AdapterBehaviour) -> (any Span)? {
        guard let tracer else { return nil }
        let span = tracer.startSpan(AdapterSpans.job, ofKind: .internal)
        AdapterSpans.describe(span, adapter: configuration.name, target: target)
        span.attributes[AdapterSpans.Attribute.generation] = job.generation
        span.attributes[AdapterSpans.Attribute.behaviour] = behaviour.rawValue
        span.attributes[AdapterSpans.Attribute.jobKind] = job.kind == .work ? "work" : "cleanup"
        return span
    }

    private func refused(_ request: String, _ reply: APIReply) -> AdapterMetrics.Outcome {
        logger.error("the API refused a request", metadata: ["request": "\(request)", "status": "\(reply.status)", "body": "\(reply.text)"])
        return .rejected
    }

    /// The JSON of a status report (CONTRACT.md "Adapter status upsert").
    static func reportBody(adapter: String, generation: Int64, observedTime: Timestamp, conditions: [ReportedCondition]) -> String {
        let items: [JSONValue] = conditions.map { condition in
            var object: [String: JSONValue] = ["type": .string(condition.type), "status": .string(condition.status.rawValue)]
            if let reason = condition.reason { object["reason"] = .string(reason) }
            if let message = condition.message { object["message"] = .string(message) }
            return .object(object)
        }
        return JSONValue.object([
            "adapter": .string(adapter), "observed_generation": .int(generation),
            "observed_time": .string(observedTime.rfc3339), "conditions": .array(items),
        ]).serialized()
    }
}
