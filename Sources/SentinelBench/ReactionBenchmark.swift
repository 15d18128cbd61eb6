import Foundation
import HyperFleetModel
import HyperFleetStore
import Kafka
import Logging
import Postgres
import Sentinel
import ServiceLifecycle
import Synchronization

/// Figure 2: create -> event acknowledged. Clusters are created one at a time through the API's
/// store while a `SentinelService` runs (NOTIFY wake-ups, default settings, system clock) against
/// the librdkafka mock cluster. Per creation: the time from calling `createCluster` until the
/// Sentinel has recorded the acknowledged event (its `sentinel_records.published_at` is set,
/// polled every 1 ms on a separate connection), and, as a second figure, until a KafkaConsumer
/// already subscribed to the topic has received the event.
///
/// Then reconcile-now (OPERATIONS.md) on the same service: `requests` reconcile requests one at a
/// time, each the controls UPSERT the API commits (its trigger writes the change row and NOTIFY),
/// over the clusters just created; per request the time from the call until the Sentinel has
/// recorded an acknowledged event that served it (`served_request_seq` reached the request's seq).
struct ReactionBenchmark {
    var admin: String
    var creations: Int
    var requests = 0
    var adapters: [String]
    var keep: Bool
    var logger: Logger

    struct Result {
        var recorded: Sample
        var consumed: Sample
        var createCall: Sample
        var timeouts: Int
        var reconcile = Sample()
        var reconcileTimeouts = 0
    }

    func run() async throws -> Result {
        say("== 2. Reaction: \(Format.int(creations)) creations one at a time -> event acknowledged and recorded")
        say("   ResourceStore.createCluster (the API's write: change row by trigger, NOTIFY by the store after commit) with a SentinelService running (default settings:")
        say("   batch 500, poll 5 s, linger.ms 5, acks=all, idempotence) on the librdkafka mock cluster (1 broker, 3 partitions, in this")
        say("   process). 'recorded' = published_at set in sentinel_records, polled every 1 ms; 'consumed' = a KafkaConsumer (fetch.wait.max.ms 5) got it.")
        let db = try await BenchDatabase.create(admin: admin, label: "reaction", clusterAdapters: adapters, logger: logger)
        let kafka = try KafkaMockCluster(brokers: 1, logger: logger)
        defer { kafka.close() }
        let settings = SentinelSettings()
        for topic in Array(settings.topics.values) + [settings.alertsTopic] {
            try kafka.createTopic(topic, partitions: 3, replicationFactor: 1)
        }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: kafka.bootstrapServers, properties: ["message.timeout.ms": "10000"]),
            logger: logger)
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: kafka.bootstrapServers, groupID: "bench-\(UUID().uuidString)", topics: [settings.topics[.clusters]!],
                // The mock broker does not end a long-poll fetch when data arrives: poll often instead.
                properties: ["fetch.wait.max.ms": "5"]),
            logger: logger)
        let arrivals = ArrivalLog(consumer)
        // The API's pool and the watcher's own connection, apart from the Sentinel's pool.
        let apiPool = PostgresPool(configuration: PostgresConfiguration(connectionString: db.url, poolSize: 2), logger: logger)
        let watchPool = PostgresPool(configuration: PostgresConfiguration(connectionString: db.url, poolSize: 1), logger: logger)
        let store = ResourceStore(pool: apiPool, logger: logger)
        let engine = SentinelEngine(pool: db.pool, producer: producer, settings: settings, logger: logger, replicaID: "bench-reaction")
        let service = SentinelService(
            engine: engine, listenConfiguration: PostgresConfiguration(connectionString: db.url, poolSize: 1),
            pollInterval: .seconds(5), staleCheckInterval: .seconds(30), shutdownTimeout: .seconds(10))
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))

        let outcome: Swift.Result<Result, Error> = await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try? await group.run() }
            let outcome: Swift.Result<Result, Error>
            do {
                // Warm-up: the consumer joins its group, the producer connects, the LISTEN is up.
                for index in 0..<10 {
                    let cluster = try await create(store, name: "warmup-\(index)")
                    _ = try await waitRecorded(watchPool, id: cluster.id, within: .seconds(30))
                    _ = await arrivals.wait(for: cluster.id, within: .seconds(30))
                }
                var recorded = Sample()
                var createCall = Sample()
                var timeouts = 0
                var starts: [(id: String, start: ContinuousClock.Instant)] = []
                for index in 0..<creations {
                    let start = ContinuousClock.now
                    let cluster = try await create(store, name: "bench-\(index)")
                    createCall.add(ContinuousClock.now - start)
                    starts.append((cluster.id, start))
                    if let at = try await waitRecorded(watchPool, id: cluster.id, within: .seconds(10)) {
                        recorded.add(at - start)
                    } else {
                        timeouts += 1
                    }
                }
                var consumed = Sample()
                for (id, start) in starts {
                    if let at = await arrivals.wait(for: id, within: .seconds(5)) { consumed.add(at - start) }
                }
                var result = Result(recorded: recorded, consumed: consumed, createCall: createCall, timeouts: timeouts)
                for index in 0..<(starts.isEmpty ? 0 : requests) {
                    let id = starts[index % starts.count].id
                    let start = ContinuousClock.now
                    let seq = try await requestReconcile(apiPool, id: id)
                    if let at = try await waitServed(watchPool, id: id, seq: seq, within: .seconds(10)) {
                        result.reconcile.add(at - start)
                    } else {
                        result.reconcileTimeouts += 1
                    }
                }
                outcome = .success(result)
            } catch {
                outcome = .failure(error)
            }
            await group.triggerGracefulShutdown()
            await tasks.waitForAll()
            return outcome
        }
        await arrivals.stop()
        await apiPool.close()
        await watchPool.close()
        await db.drop(keep: keep, logger: logger)
        let result = try outcome.get()
        say("   recorded: p50 \(Format.ms(result.recorded.median)) ms, p90 \(Format.ms(result.recorded.percentile(90))) ms, "
            + "p99 \(Format.ms(result.recorded.percentile(99))) ms, max \(Format.ms(result.recorded.max)) ms (\(result.recorded.count) of \(creations); \(result.timeouts) timed out after 10 s)")
        say("   consumed: p50 \(Format.ms(result.consumed.median)) ms, p90 \(Format.ms(result.consumed.percentile(90))) ms, "
            + "p99 \(Format.ms(result.consumed.percentile(99))) ms, max \(Format.ms(result.consumed.max)) ms (\(result.consumed.count) of \(creations))")
        say("   the createCluster call itself: p50 \(Format.ms(result.createCall.median)) ms, p99 \(Format.ms(result.createCall.percentile(99))) ms")
        if requests > 0 {
            say("   reconcile-now, \(Format.int(requests)) requests one at a time (controls UPSERT committed -> served_request_seq recorded):")
            say("     p50 \(Format.ms(result.reconcile.median)) ms, p90 \(Format.ms(result.reconcile.percentile(90))) ms, "
                + "p99 \(Format.ms(result.reconcile.percentile(99))) ms, max \(Format.ms(result.reconcile.max)) ms (\(result.reconcile.count) of \(requests); \(result.reconcileTimeouts) timed out after 10 s)")
        }
        return result
    }

    private func create(_ store: ResourceStore, name: String) async throws -> Cluster {
        try await store.createCluster(ResourceCreate(name: name, spec: ["region": .string("eu-west-1")], labels: ["env": "bench"]), by: "bench@example.com")
    }

    /// `POST .../reconcile` as the API writes it: the controls UPSERT; returns the new `request_seq`.
    private func requestReconcile(_ pool: PostgresPool, id: String) async throws -> Int64 {
        let rows = try await pool.query(
            """
            INSERT INTO hyperfleet_reconcile_controls AS c (resource_type, resource_id, request_seq, requested_at, requested_by)
            VALUES ('clusters', $1, 1, now(), 'bench@example.com')
            ON CONFLICT (resource_type, resource_id) DO UPDATE SET request_seq = c.request_seq + 1,
                requested_at = EXCLUDED.requested_at, requested_by = EXCLUDED.requested_by, request_reason = NULL
            RETURNING request_seq
            """, [id])
        return try rows.first?.int("request_seq") ?? 0
    }

    /// Polls the record every 1 ms until an acknowledged event served request `seq`; nil after `within`.
    private func waitServed(_ pool: PostgresPool, id: String, seq: Int64, within: Duration) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let rows = try await pool.query(
                "SELECT 1 FROM sentinel_records WHERE resource_type = 'clusters' AND resource_id = $1 AND served_request_seq >= $2::bigint",
                [id, String(seq)])
            if !rows.isEmpty { return ContinuousClock.now }
            try await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }

    /// Polls the record every 1 ms; the instant it was first seen recorded, or nil after `within`.
    private func waitRecorded(_ pool: PostgresPool, id: String, within: Duration) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + within
        while ContinuousClock.now < deadline {
            let rows = try await pool.query(
                "SELECT 1 FROM sentinel_records WHERE resource_type = 'clusters' AND resource_id = $1 AND published_at IS NOT NULL", [id])
            if !rows.isEmpty { return ContinuousClock.now }
            try await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }
}

/// When each event (by Kafka key) reached a consumer.
final class ArrivalLog: Sendable {
    private let arrivals = Mutex<[String: ContinuousClock.Instant]>([:])
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let consumer: KafkaConsumer

    init(_ consumer: KafkaConsumer) {
        self.consumer = consumer
        let stream = consumer.messages
        let reading = Task { [weak self] in
            do {
                for try await message in stream {
                    let at = ContinuousClock.now
                    guard let key = message.key, let self else { continue }
                    let id = String(decoding: key, as: UTF8.self)
                    self.arrivals.withLock { if $0[id] == nil { $0[id] = at } }
                }
            } catch {}
        }
        task.withLock { $0 = reading }
    }

    /// The arrival instant of `id`'s first event, waiting up to `within`.
    func wait(for id: String, within: Duration) async -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + within
        while true {
            if let at = arrivals.withLock({ $0[id] }) { return at }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    func stop() async {
        task.withLock { $0?.cancel() }
        await consumer.close()
    }
}
