import Foundation
import Kafka
import Logging
import Metrics
import Postgres
import Prometheus
import Sentinel
import SentinelCore
import HyperFleetModel

/// Figure 3: N due resources published and recorded. Time from the start of the first look until
/// a look finds nothing more waiting; every look claims a batch, publishes it (waiting for the
/// delivery reports) and records it, and the next look plans while the previous one publishes
/// (`SentinelEngine.drain`, as the service's loop does).
struct ThroughputBenchmark {
    var admin: String
    var resources: Int
    var batchSizes: [Int]
    var runs: Int
    var adapters: [String]
    var statuses: Bool
    var keep: Bool
    var logger: Logger
    /// What the Sentinel records its metrics with, as in production (`hyperfleet sentinel`: Prometheus),
    /// so that the figures include their cost.
    let metricsFactory: any MetricsFactory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())

    struct Run {
        var batchSize: Int
        var elapsed: Duration
        var looks: Int
        var recorded: Int
        var eventsPerSecond: Double { Double(recorded) / (elapsed.inMilliseconds / 1000) }
    }

    struct Results {
        var runs: [Run]
        /// Per batch size, the bare producer's messages/s with the Sentinel's own events.
        var producerAlone: [Int: Double]
    }

    func run() async throws -> Results {
        say("== 3. Throughput: \(Format.int(resources)) due clusters published and recorded (looks in a row until none waits)")
        say("   SentinelEngine.look = claim batch + publish (wait for all delivery reports) + record batch; system clock; metrics into a Prometheus registry (as production);")
        say("   librdkafka mock cluster in this process (1 broker, 3 partitions, acks=all, idempotence, linger.ms 5);")
        say("   batch sizes \(batchSizes.map(String.init).joined(separator: ", ")), \(runs) run(s) each, all \(resources) re-armed (and VACUUMed) before each run")
        let kafka = try KafkaMockCluster(brokers: 1, logger: logger)
        defer { kafka.close() }
        let defaults = SentinelSettings()
        try kafka.createTopic(defaults.topics[.clusters]!, partitions: 3, replicationFactor: 1)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: kafka.bootstrapServers, properties: ["message.timeout.ms": "10000"]),
            logger: logger)
        let db = try await BenchDatabase.create(admin: admin, label: "throughput", clusterAdapters: adapters, logger: logger)
        do {
            let loaded = try await BenchData.load(
                db.pool, clusters: resources, dueStride: 1, adapters: adapters, statuses: statuses, t0: Timestamp.now())
            say("   loaded \(Format.int(resources)) clusters in \(Format.one(loaded.seconds)) s: \(loaded.sizes); due: \(loaded.dueIDs.count)")
            // Warm the producer's connection before timing.
            _ = try await producer.send(KafkaMessage(topic: defaults.topics[.clusters]!, key: Array("warmup".utf8), value: Array("{}".utf8)))

            var results: [Run] = []
            for batchSize in batchSizes {
                for _ in 0..<runs {
                    try await rearm(db.pool)
                    var settings = SentinelSettings()
                    settings.batchSize = batchSize
                    settings.types = [.clusters]
                    let engine = SentinelEngine(pool: db.pool, producer: producer, settings: settings, logger: logger, metricsFactory: metricsFactory,
                        replicaID: "bench-throughput")
                    let startedAt = Timestamp.now()
                    var looks = 0
                    var published = 0
                    let (_, elapsed) = try await timed {
                        let result = try await engine.drain(.clusters)
                        looks = result.looks
                        published = result.published
                        if result.failed > 0 { throw BenchError("\(result.failed) publishes failed") }
                    }
                    let recorded = try await db.pool.query(
                        """
                        SELECT count(*) AS n FROM sentinel_records WHERE resource_type = 'clusters'
                          AND published_at >= \(sqlTimestamp(startedAt)) AND claimed_by IS NULL
                        """
                    ).first?.int("n") ?? 0
                    guard recorded == resources, published == resources else {
                        throw BenchError("batch \(batchSize): published \(published), recorded \(recorded), expected \(resources)")
                    }
                    let run = Run(batchSize: batchSize, elapsed: elapsed, looks: looks, recorded: Int(recorded))
                    results.append(run)
                    say("   batch \(batchSize): \(Format.int(run.recorded)) recorded in \(Format.ms(elapsed.inMilliseconds)) ms over \(looks) looks = "
                        + "\(Format.int(Int(run.eventsPerSecond))) events/s")
                }
            }
            try await breakdown(db.pool, producer: producer)
            let producerAlone = try await rawProducer(
                producer, topic: defaults.topics[.clusters]!, ids: loaded.dueIDs,
                engine: SentinelEngine(pool: db.pool, producer: producer, settings: SentinelSettings(), logger: logger, replicaID: "bench-raw"))
            await producer.close(timeout: .seconds(2))
            await db.drop(keep: keep, logger: logger)
            return Results(runs: results, producerAlone: producerAlone)
        } catch {
            await producer.close(timeout: .seconds(2))
            await db.drop(keep: keep, logger: logger)
            throw error
        }
    }

    /// One more run per batch size with the look's two halves timed apart (plan = find, load, decide,
    /// claim; publish = send and wait for delivery reports, then record): where the time goes.
    private func breakdown(_ pool: PostgresPool, producer: KafkaProducer) async throws {
        say("   where the time goes (one more run per batch size, SentinelEngine.plan and .publish timed apart):")
        for batchSize in batchSizes {
            try await rearm(pool)
            var settings = SentinelSettings()
            settings.batchSize = batchSize
            settings.types = [.clusters]
            let engine = SentinelEngine(pool: pool, producer: producer, settings: settings, logger: logger, metricsFactory: metricsFactory,
                replicaID: "bench-breakdown")
            var plan = Sample()
            var publish = Sample()
            var cpu = Sample()
            var published = 0
            let (_, total) = try await timed {
                while true {
                    let cpuStart = ProcessMemory.cpuTime()
                    let ((pending, result), planned) = try await timed { try await engine.plan(.clusters) }
                    plan.add(planned)
                    if !pending.isEmpty {
                        let (outcome, sent) = try await timed { try await engine.publish(.clusters, pending) }
                        publish.add(sent)
                        published += outcome.published
                    }
                    cpu.add(ProcessMemory.cpuTime() - cpuStart)
                    if !result.moreWaiting { break }
                }
            }
            say("     batch \(batchSize): \(Format.int(published)) in \(Format.ms(total.inMilliseconds)) ms; per look: plan median \(Format.ms(plan.median)) ms "
                + "(sum \(Format.ms(plan.total))), publish+record median \(Format.ms(publish.median)) ms (sum \(Format.ms(publish.total))); "
                + "this process's CPU \(Format.ms(cpu.total)) ms in all")
        }
    }

    /// The producer alone on the mock cluster: the same number of messages in batches, each batch
    /// awaited like the engine does; an upper bound for what the Sentinel can reach here. Two shapes: the
    /// Sentinel's own reconcile events for the loaded clusters (the same topic, keys, headers and
    /// body as it publishes, built by `SentinelEngine.reconcileMessage`: the comparison of the goal),
    /// and 200-byte messages with one header (the figure printed before that one existed).
    private func rawProducer(_ producer: KafkaProducer, topic: String, ids: [String], engine: SentinelEngine) async throws -> [Int: Double] {
        let payload = Array(String(repeating: "x", count: 200).utf8)
        let now = Date()
        let shapes: [(name: String, make: (Int) -> KafkaMessage)] = [
            ("the Sentinel's reconcile events", { engine.reconcileMessage(forCluster: ids[$0 % ids.count], generation: 1, at: now) }),
            ("messages of 200 bytes, one header", { index in
                KafkaMessage(topic: topic, key: Array("raw-\(index)".utf8), value: payload, headers: [KafkaHeader(key: "ce_type", string: "bench")])
            }),
        ]
        if let sample = shapes.first?.make(0) {
            say("     a reconcile event as sent: \(sample.value.count) bytes of body, \(sample.headers.count) headers, key \(sample.key?.count ?? 0) bytes")
        }
        // Three rounds, the shapes alternating (a single timing of the mock cluster varies several-fold
        // from one run to the next); the fastest round of each counts: the hardest comparison.
        var best: [String: Double] = [:]
        for round in 1...3 {
            for (shapeIndex, shape) in shapes.enumerated() {
                for batchSize in batchSizes {
                    var sent = 0
                    var elapsed = Duration.zero
                    while sent < resources {
                        let count = min(batchSize, resources - sent)
                        // Built before the clock starts: the producer's work alone is timed.
                        let messages = (sent..<(sent + count)).map(shape.make)
                        let (_, batchTime) = await timed { _ = await producer.send(messages) }
                        elapsed += batchTime
                        sent += count
                    }
                    let rate = Double(resources) / (elapsed.inMilliseconds / 1000)
                    best["\(shapeIndex)/\(batchSize)"] = max(best["\(shapeIndex)/\(batchSize)"] ?? 0, rate)
                    say("     round \(round): the producer alone, \(Format.int(resources)) \(shape.name) in batches of \(batchSize) awaited one after another: "
                        + "\(Format.ms(elapsed.inMilliseconds)) ms = \(Format.int(Int(rate))) messages/s")
                }
            }
        }
        for (shapeIndex, shape) in shapes.enumerated() {
            for batchSize in batchSizes {
                say("     the producer alone, \(shape.name), batch \(batchSize), best of 3: \(Format.int(Int(best["\(shapeIndex)/\(batchSize)"] ?? 0))) messages/s")
            }
        }
        // The goal's comparison: the Sentinel's own events.
        return Dictionary(batchSizes.map { ($0, best["0/\($0)"] ?? 0) }, uniquingKeysWith: max)
    }

    /// Every record due again: last event 20 minutes ago, nothing claimed.
    private func rearm(_ pool: PostgresPool) async throws {
        _ = try await pool.query(
            """
            UPDATE sentinel_records SET next_due_at = now() - interval '1 minute', published_at = now() - interval '20 minutes',
                claimed_by = NULL, claim_expires_at = NULL
            WHERE resource_type = 'clusters'
            """)
        _ = try await pool.query("VACUUM (ANALYZE) sentinel_records")
    }
}
