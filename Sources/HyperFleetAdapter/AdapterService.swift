import Foundation
import Kafka
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import Tracing

/// The reference adapter: consumes reconcile events of one resource type and reports simulated work
/// to the API (ADAPTER.md). Run it in a `ServiceGroup`; graceful shutdown stops consuming, lets the
/// evaluations in flight finish, and leaves the consumer group.
public struct AdapterService: Service {
    private final class State: Sendable {
        let consuming = Atomic<Bool>(false)
    }

    public let configuration: AdapterConfiguration
    private let logger: Logger
    private let exitOnCrash: Bool
    private let state = State()
    private let api: HyperFleetAPIClient
    private let metrics: AdapterMetrics
    private let tracer: (any Tracer)?

    /// `exitOnCrash`: the `crash` behaviour exits the process (status 70); otherwise `run()` throws
    /// `AdapterCrashError` and a supervisor restarts the service. Metrics are created through
    /// `metricsFactory` (the builders pass their role's). `tracer`: this adapter's own (nil: tracing off).
    public init(
        configuration: AdapterConfiguration, logger: Logger, metricsFactory: any MetricsFactory, exitOnCrash: Bool, tracer: (any Tracer)? = nil
    ) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "adapter"] = "\(configuration.name)"
        logger[metadataKey: "resource_type"] = "\(configuration.resourceType.rawValue)"
        self.logger = logger
        self.exitOnCrash = exitOnCrash
        self.tracer = tracer
        api = HyperFleetAPIClient(settings: configuration.api, logger: logger, tracer: tracer)
        metrics = AdapterMetrics(
            adapter: configuration.name, resourceType: configuration.resourceType.rawValue, factory: metricsFactory)
    }

    /// True while the consumer is subscribed and reading (for readiness).
    public var isConsuming: Bool { state.consuming.load(ordering: .relaxed) }

    /// One quick request to the API (for readiness): true when it answers below 500.
    public func isAPIReachable(timeout: Duration = .seconds(2)) async -> Bool {
        await api.probe("/api/hyperfleet", timeout: timeout)
    }

    public func run() async throws {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: configuration.kafka.brokers, groupID: configuration.consumerGroup,
                topics: [configuration.topic], properties: configuration.kafka.properties,
                bufferCapacity: configuration.concurrency * 2, offsetCommits: .whenFinished),
            logger: logger)
        // Jobs live as long as this run: a restarted service starts with an empty book (and recognises
        // finished jobs from its own stored reports).
        let jobs = JobBook()
        let reconciler = Reconciler(
            configuration: configuration, api: api, jobs: jobs, locks: KeyedLock(), metrics: metrics, logger: logger, tracer: tracer)
        state.consuming.store(true, ordering: .relaxed)
        logger.info("adapter consuming", metadata: [
            "topic": "\(configuration.topic)", "group": "\(configuration.consumerGroup)", "api": "\(configuration.api.url)",
            "behaviour": "\(configuration.behaviour.rawValue)", "job_duration": "\(configuration.jobDuration)",
        ])
        let result: Result<Void, any Error>
        do {
            try await withGracefulShutdownHandler {
                try await consume(consumer, reconciler: reconciler)
            } onGracefulShutdown: {
                // Evaluations in flight finish and count before `close()` commits their offsets.
                consumer.stopReading()
            }
            result = .success(())
        } catch {
            result = .failure(error)
        }
        state.consuming.store(false, ordering: .relaxed)
        await jobs.close()
        await consumer.close()
        logger.info("adapter stopped")
        try result.get()
    }

    /// Reads records until the consumer closes, with at most `concurrency` evaluations in flight.
    private func consume(_ consumer: KafkaConsumer, reconciler: Reconciler) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for try await message in consumer.messages {
                if inFlight >= configuration.concurrency {
                    try await group.next()
                    inFlight -= 1
                }
                group.addTask { try await handle(message, consumer: consumer, reconciler: reconciler) }
                inFlight += 1
            }
            try await group.waitForAll()
        }
    }

    /// Evaluates one record and, unless it crashed or was cancelled, tells the consumer it is finished
    /// (its report accepted, or dropped on purpose and counted), so its offset may be committed.
    private func handle(_ message: KafkaConsumerMessage, consumer: KafkaConsumer, reconciler: Reconciler) async throws {
        if try await evaluate(message, consumer: consumer, reconciler: reconciler) {
            consumer.finished(message)
        }
    }

    /// True when the record is finished. Only `crash` escapes: every other problem is logged, counted
    /// and skipped (an unreachable API after every retry too: the Sentinel publishes the resource again).
    private func evaluate(_ message: KafkaConsumerMessage, consumer: KafkaConsumer, reconciler: Reconciler) async throws -> Bool {
        let request: ReconcileRequest
        do {
            request = try ReconcileRequest.decode(message, for: configuration.resourceType)
        } catch {
            metrics.count(.invalid)
            logger.warning("skipping a record that is not a reconcile event", metadata: [
                "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)",
            ])
            return true
        }
        let trigger: Reconciler.Trigger = request.isReconcileNow ? .requested : .event
        // Continues the event's trace (a new one when it carries none, or a malformed one). The outcome is
        // logged inside the span, so the lines carry its trace id.
        let parent = tracer.map { $0.context(continuing: request.trace) }
        do {
            _ = try await reconciler.withEvaluationSpan(request.target, trigger: trigger, parent: parent, kind: .consumer) { span in
                if let reason = request.reason { span.attributes[AdapterSpans.Attribute.reason] = reason }
                span.attributes[AdapterSpans.Attribute.messagingSystem] = "kafka"
                span.attributes[AdapterSpans.Attribute.destination] = message.topic
                span.attributes[AdapterSpans.Attribute.consumerGroup] = configuration.consumerGroup
            } _: {
                do {
                    let outcome = try await reconciler.reconcile(request.target, trigger: trigger)
                    metrics.count(outcome)
                    logger.debug("event handled", metadata: [
                        "resource": "\(request.target)", "reason": "\(request.reason ?? "")", "outcome": "\(outcome.rawValue)",
                    ])
                    return outcome
                } catch let crash as AdapterCrashError {
                    metrics.count(.crash)
                    logger.critical("simulated crash", metadata: ["resource": "\(request.target)"])
                    if exitOnCrash { exit(70) }
                    throw crash
                } catch let cancelled as CancellationError {
                    throw cancelled
                } catch {
                    metrics.count(.apiError)
                    logger.error("event not handled; the next event retries", metadata: [
                        "resource": "\(request.target)", "error": "\(error)",
                    ])
                    throw error
                }
            }
            return true
        } catch let crash as AdapterCrashError {
            // End the record stream so the error reaches `run()` now, not after the next record.
            await consumer.close()
            throw crash
        } catch is CancellationError {
            return false
        } catch {
            // Logged and counted above.
            return true
        }
    }
}
