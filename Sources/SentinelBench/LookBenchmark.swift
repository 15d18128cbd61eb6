import Foundation
import Kafka
import Logging
import Postgres
import Sentinel
import SentinelCore
import HyperFleetModel

/// Figure 1: one look (find changed + find due + load + decide + claim/record write, in one
/// transaction: `SentinelEngine.plan`; the publish is not run, so not timed) at a large and a small
/// total with the same number due and nothing changed.
struct LookBenchmark {
    var admin: String
    var sizes: [Int]
    var due: Int
    var repetitions: Int
    var batchSize: Int
    var adapters: [String]
    var statuses: Bool
    var keep: Bool
    var logger: Logger

    struct SizeResult {
        var clusters: Int
        var sample: Sample
        var maxRSSBefore: Int
        var maxRSSAfter: Int
        var currentRSSBefore: Int
        var currentRSSAfter: Int
        var cpu: Sample
        /// VmHWM over the timed looks of this size only (reset before them).
        var peakDuringLooks: Int
        var serverMilliseconds: Double?
        var loadAverage: String
    }

    func run() async throws -> [SizeResult] {
        say("== 1. One look: \(Format.int(due)) due, nothing changed, at \(sizes.map { Format.int($0) }.joined(separator: " and ")) clusters")
        say("   timed: SentinelEngine.plan(.clusters) = takeChanges + lockDue + load + decide + write claims, one transaction;")
        say("   the publish is excluded (plan is `package` for this). batch size \(batchSize), \(repetitions) repetitions per size")
        say("   after 1 warm-up; between repetitions the \(due) due records are re-armed with one UPDATE (untimed).")
        say("   required adapters \(adapters.joined(separator: ",")); adapter status rows loaded: \(statuses ? "one per adapter per cluster" : "none")")
        let kafka = try KafkaMockCluster(brokers: 1, logger: logger)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: kafka.bootstrapServers), logger: logger)
        defer { kafka.close() }
        // One fixed `now` for the whole run: the data is laid out around it, so nothing falls due by itself.
        let t0 = Timestamp(microsecondsSinceEpoch: Timestamp.now().microsecondsSinceEpoch / 1_000_000 * 1_000_000)

        var databases: [(clusters: Int, db: BenchDatabase, loaded: BenchData.Loaded, statistics: Bool)] = []
        do {
            for size in sizes {
                let db = try await BenchDatabase.create(admin: admin, label: "look\(size)", clusterAdapters: adapters, logger: logger)
                let statistics = await db.enableStatementStatistics()
                let loaded = try await BenchData.load(
                    db.pool, clusters: size, dueStride: max(1, size / due), adapters: adapters, statuses: statuses, t0: t0)
                say("   loaded \(Format.int(size)) clusters in \(Format.one(loaded.seconds)) s: \(loaded.sizes); due: \(loaded.dueIDs.count); "
                    + "this process: RSS \(Format.mib(kilobytes: ProcessMemory.currentResidentKilobytes())), peak \(Format.mib(kilobytes: ProcessMemory.maxResidentKilobytes()))")
                databases.append((size, db, loaded, statistics))
            }

            var results: [SizeResult] = []
            for (size, db, loaded, statistics) in databases {
                var settings = SentinelSettings()
                settings.batchSize = batchSize
                settings.types = [.clusters]
                let engine = SentinelEngine(
                    pool: db.pool, producer: producer, settings: settings, clock: ManualSentinelClock(t0), logger: logger, replicaID: "bench-look")
                let ids = loaded.dueIDs
                // Warm-up: also stores the real progress marks of the due rows (the load left them empty).
                try await rearm(db.pool, ids: ids, t0: t0)
                _ = try await engine.plan(.clusters)
                if statistics { _ = try await db.pool.query("SELECT pg_stat_statements_reset()") }

                let before = ProcessMemory.maxResidentKilobytes()
                let currentBefore = ProcessMemory.currentResidentKilobytes()
                let peakReset = ProcessMemory.resetPeak()
                var sample = Sample()
                var cpu = Sample()
                for _ in 0..<repetitions {
                    try await rearm(db.pool, ids: ids, t0: t0)
                    let cpuStart = ProcessMemory.cpuTime()
                    let ((pending, result), elapsed) = try await timed { try await engine.plan(.clusters) }
                    cpu.add(ProcessMemory.cpuTime() - cpuStart)
                    guard result.due == ids.count, pending.count == ids.count, result.changed == 0 else {
                        throw BenchError("look at \(size): expected \(ids.count) due and published, got due \(result.due), publishing \(pending.count), changed \(result.changed)")
                    }
                    sample.add(elapsed)
                }
                let after = ProcessMemory.maxResidentKilobytes()
                let peakDuring = peakReset ? ProcessMemory.peakResidentKilobytes() : 0
                let server = statistics ? try await statementBreakdown(db.pool) : nil
                let currentAfter = ProcessMemory.currentResidentKilobytes()
                results.append(SizeResult(
                    clusters: size, sample: sample, maxRSSBefore: before, maxRSSAfter: after, currentRSSBefore: currentBefore,
                    currentRSSAfter: currentAfter, cpu: cpu, peakDuringLooks: peakDuring, serverMilliseconds: server, loadAverage: Machine.loadAverage))
                say("   \(Format.int(size)) clusters: median \(Format.ms(sample.median)) ms, p90 \(Format.ms(sample.percentile(90))) ms, "
                    + "min \(Format.ms(sample.min)), max \(Format.ms(sample.max)); this process's CPU per look: median \(Format.ms(cpu.median)) ms")
                say("     memory: RSS \(Format.mib(kilobytes: currentBefore)) -> \(Format.mib(kilobytes: currentAfter)); peak during these looks (VmHWM, reset "
                    + "before them) \(peakReset ? Format.mib(kilobytes: peakDuring) : "n/a"); getrusage maxrss \(Format.mib(kilobytes: before)) -> "
                    + "\(Format.mib(kilobytes: after)) (inherits swift run's peak across exec); load average \(Machine.loadAverage)")
                try await rearm(db.pool, ids: ids, t0: t0)
                try await explain(db.pool, size: size, ids: ids, t0: t0)
            }
            for (_, db, _, _) in databases { await db.drop(keep: keep, logger: logger) }
            await producer.close(timeout: .seconds(2))
            return results
        } catch {
            for (_, db, _, _) in databases { await db.drop(keep: keep, logger: logger) }
            await producer.close(timeout: .seconds(2))
            throw error
        }
    }

    /// Makes exactly the loaded due rows due again and unclaimed (one UPDATE).
    private func rearm(_ pool: PostgresPool, ids: [String], t0: Timestamp) async throws {
        let result = try await pool.query(
            """
            /* bench */ UPDATE sentinel_records SET next_due_at = \(sqlTimestamp(t0)) - interval '1 minute', claimed_by = NULL, claim_expires_at = NULL
            WHERE resource_type = 'clusters' AND resource_id = ANY($1::text[])
            """, [textArray(ids)])
        guard result.affectedRows == ids.count else { throw BenchError("re-arm updated \(result.affectedRows) of \(ids.count) records") }
    }

    /// Server time per statement of the look (pg_stat_statements), printed; returns the sum of the means.
    private func statementBreakdown(_ pool: PostgresPool) async throws -> Double {
        let rows = try await pool.query(
            """
            SELECT calls, mean_exec_time, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS q
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%/* bench */%' AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY total_exec_time DESC
            """)
        var perLook = 0.0
        say("     server time per statement (pg_stat_statements, mean over the timed looks):")
        for row in rows {
            let calls = Int(row["calls"] ?? "0") ?? 0
            let mean = Double(row["mean_exec_time"] ?? "0") ?? 0
            let perCall = Double(Int(row["rows"] ?? "0") ?? 0) / Double(max(calls, 1))
            let timesPerLook = Double(calls) / Double(max(repetitions, 1))
            perLook += mean * timesPerLook
            say("       \(String(format: "%8.3f", mean)) ms x \(Format.one(timesPerLook))/look, \(Int(perCall)) rows: \(row["q"] ?? "")")
        }
        say("     sum: \(Format.ms(perLook)) ms of server execution per look")
        return perLook
    }

    /// EXPLAIN (ANALYZE, BUFFERS) of the look's find-due and load statements, as the store sends
    /// them, in a transaction that is rolled back (the find-due statement locks rows).
    private func explain(_ pool: PostgresPool, size: Int, ids: [String], t0: Timestamp) async throws {
        let now = sqlTimestamp(t0)
        let list = "'\(textArray(ids))'::text[]"
        func micros(_ column: String) -> String { "floor(extract(epoch FROM \(column)) * 1000000)::bigint" }
        // The look's statements as SentinelStore sends them (parameters inlined).
        let statements = [
            ("find due, locked, with records and resources (SentinelStore.lockDue)",
             """
             WITH locked AS MATERIALIZED (
                 SELECT s.resource_id, s.ctid AS tid, s.published_generation, \(micros("s.published_at")) AS published, s.published_reason,
                     s.attempts, s.progress_mark, s.next_due_at, \(micros("s.next_due_at")) AS due, s.served_request_seq
                 FROM sentinel_records s
                 WHERE s.resource_type = 'clusters' AND s.next_due_at <= \(now)
                   AND (s.claimed_by IS NULL OR s.claim_expires_at < \(now))
                 ORDER BY s.next_due_at LIMIT \(batchSize)
                 FOR UPDATE OF s SKIP LOCKED
             )
             SELECT l.resource_id, l.tid::text, l.published_generation, l.published, l.published_reason, l.attempts, l.progress_mark,
                 l.due, l.served_request_seq, coalesce(c.request_seq, 0), coalesce(c.paused, false), r.id, r.generation,
                 \(micros("r.created_time")), \(micros("r.deleted_time")), r.status_phase,
                 \(micros("r.status_last_transition_time")), \(micros("r.status_last_updated_time"))
             FROM locked l LEFT JOIN clusters r ON r.id = l.resource_id
             LEFT JOIN hyperfleet_reconcile_controls c ON c.resource_type = 'clusters' AND c.resource_id = l.resource_id
             ORDER BY l.next_due_at
             """),
            ("load adapter statuses (SentinelStore.states; stored condition columns, migration 4)",
             """
             SELECT t.ord, s.adapter, s.observed_generation, \(micros("s.last_report_time")), s.available_status, s.finalized_status
             FROM unnest(\(list)) WITH ORDINALITY AS t(id, ord)
             JOIN cluster_statuses s ON s.cluster_id = t.id
             """),
            ("NOT RUN BY THE ENGINE since migration 4, for comparison: the statuses with jsonpath on conditions",
             """
             SELECT cluster_id AS rid, adapter, observed_generation, \(micros("last_report_time")) AS reported,
                 jsonb_path_query_first(conditions, '$[*] ? (@.type == "Available").status') #>> '{}' AS available,
                 jsonb_path_query_first(conditions, '$[*] ? (@.type == "Finalized").status') #>> '{}' AS finalized
             FROM cluster_statuses WHERE cluster_id = ANY(\(list))
             """),
            ("write claims (SentinelStore.writeLocked: UPDATE by ctid of the rows locked above; arrays built in SQL)",
             """
             UPDATE sentinel_records AS s SET attempts = 0, progress_mark = '0123456789abcdef',
                 next_due_at = CASE WHEN s.next_due_at <= \(now) THEN s.next_due_at ELSE \(now) END,
                 claimed_by = 'bench', claim_expires_at = \(now) + interval '30 seconds', next_reason = 'not_ready_backoff',
                 decided_at = \(now)
             FROM (SELECT ctid AS tid, resource_id AS id FROM sentinel_records
                   WHERE resource_type = 'clusters' AND resource_id = ANY(\(list))) AS w
             WHERE s.ctid = w.tid AND s.resource_type = 'clusters' AND s.resource_id = w.id
             """),
        ]
        say("     EXPLAIN (ANALYZE, BUFFERS) at \(Format.int(size)) clusters:")
        try await pool.withConnection { connection in
            try await connection.execute("BEGIN")
            for (title, sql) in statements {
                say("       -- \(title)")
                for row in try await connection.query("/* bench */ EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql) {
                    say("       " + Self.abbreviatingArrays(row["QUERY PLAN"] ?? ""))
                }
            }
            try await connection.execute("ROLLBACK")
        }
    }
}

extension LookBenchmark {
    /// A plan line with its long id-array literal shown as '{<n ids>}'.
    static func abbreviatingArrays(_ line: String) -> String {
        guard let open = line.range(of: "'{"), let close = line.range(of: "}'", range: open.upperBound..<line.endIndex) else { return line }
        let count = line[open.upperBound..<close.lowerBound].split(separator: ",").count
        return line.replacingCharacters(in: open.lowerBound..<close.upperBound, with: "'{<\(count) ids>}'")
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
