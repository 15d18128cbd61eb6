import HyperFleetModel
import Logging
import Postgres

/// The required-adapter lists, kept in one table that the API and the Sentinel both read.
public enum RequiredAdapters {
    static func load(_ type: ResourceType, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            "SELECT adapter FROM hyperfleet_required_adapters WHERE resource_type = $1 ORDER BY adapter", [type.rawValue]
        ).map { try $0.text("adapter") }
    }

    public static func current(_ type: ResourceType, pool: PostgresPool) async throws -> [String] {
        try await pool.withConnection { try await load(type, on: $0) }
    }

    /// Replaces the list for a type. When it changed, every resource of that type is re-aggregated in
    /// batches of `batchSize`, and its liveness rows brought in line with the list; first it waits, at
    /// most `inFlightLimit`, for the writes under way when the list committed. Returns whether the list
    /// changed.
    ///
    /// The list's transaction only deletes the removed adapters' rows and inserts the added ones (the
    /// trigger gives an added adapter a liveness row on every resource, rows no report touches yet). A
    /// removed adapter's liveness rows go afterwards, `batchSize` per short transaction: deleted inside
    /// the list's transaction, they held every report of that adapter until it committed (1.3-1.6 s at
    /// 10,000 clusters, benchmarks/README.md), and rewriting the unchanged adapters' rows held every
    /// report. Rows left behind by an interrupted clean-up are of an adapter no longer required, which no
    /// stale check reads; the next change of the list removes them.
    @discardableResult
    public static func sync(
        _ type: ResourceType, adapters: [String], store: ResourceStore, now: Timestamp = .now(), batchSize: Int = 200,
        inFlightLimit: Duration = .seconds(60)
    ) async throws -> Bool {
        let wanted = Array(Set(adapters)).sorted()
        let changed = try await store.pool.withTransaction { connection -> Bool in
            _ = try await connection.query("LOCK TABLE hyperfleet_required_adapters IN SHARE ROW EXCLUSIVE MODE")
            let current = try await load(type, on: connection)
            guard current != wanted else { return false }
            let removed = current.filter { !wanted.contains($0) }
            let added = wanted.filter { !current.contains($0) }
            _ = try await connection.queries([
                PipelinedStatement(
                    "DELETE FROM hyperfleet_required_adapters WHERE resource_type = $1 AND adapter = ANY($2::text[])",
                    [type.rawValue, SQLArray.literal(removed)]),
                PipelinedStatement(
                    "INSERT INTO hyperfleet_required_adapters (resource_type, adapter) SELECT $1, unnest($2::text[])",
                    [type.rawValue, SQLArray.literal(added)]),
            ])
            return true
        }
        guard changed else { return false }
        store.logger.info("required adapters changed; re-aggregating", metadata: ["resource_type": "\(type.rawValue)", "adapters": "\(wanted)"])
        try await awaitWritesThatSawTheOldList(type, pool: store.pool, logger: store.logger, limit: inFlightLimit)
        try await removeUnrequiredLiveness(type, pool: store.pool, batchSize: batchSize)
        // A fleet of a million takes minutes: progress every 10 s, and a summary.
        let clock = ContinuousClock()
        let started = clock.now
        var lastProgress = started
        var done = 0
        var after = ""
        while true {
            let ids = try await store.pool.query(
                "SELECT id FROM \(type.table) WHERE id > $1 ORDER BY id LIMIT \(batchSize)", [after]
            ).map { try $0.text("id") }
            try await removeOrphanLiveness(type, after: after, through: ids.last, except: ids, pool: store.pool)
            guard let last = ids.last else { break }
            try await store.reaggregateBatch(type, ids: ids, now: now)
            after = last
            done += ids.count
            if clock.now - lastProgress >= .seconds(10) {
                lastProgress = clock.now
                store.logger.info(
                    "re-aggregating after the required-adapter change",
                    metadata: ["resource_type": "\(type.rawValue)", "resources_done": "\(done)", "elapsed": "\(clock.now - started)"])
            }
        }
        store.logger.info(
            "required adapters applied", metadata: ["resource_type": "\(type.rawValue)", "resources": "\(done)", "took": "\(clock.now - started)"])
        return true
    }

    /// The list's trigger gave the added adapters a liveness row on every resource its statement saw.
    /// A create under way then read the old list (its resource got rows for the old adapters only), and
    /// a hard deletion under way was not seen (its resource got a row that its deletion never removes,
    /// which the stale check would count for ever). Both were running when the list committed: once they
    /// have ended, the batches see their outcome, give every resource its missing rows and remove rows
    /// of resources that are gone (`reaggregateBatch`, `removeOrphanLiveness`).
    static func awaitWritesThatSawTheOldList(_ type: ResourceType, pool: PostgresPool, logger: Logger, limit: Duration) async throws {
        let writers = try await pool.writers(of: type.table)
        // Writes are short: say so only when some outlive a first wait.
        let first = min(limit, .seconds(2))
        var running = try await pool.waitUntilEnded(writers, limit: first)
        if !running.isEmpty, limit > first {
            logger.info(
                "waiting for writes to \(type.table) under way when the required adapters changed",
                metadata: ["resource_type": "\(type.rawValue)", "pids": "\(running)", "at_most": "\(limit - first)"])
            running = try await pool.waitUntilEnded(writers, limit: limit - first)
        }
        guard !running.isEmpty else { return }
        logger.warning(
            "writes to \(type.table) under way when the required adapters changed have not ended; going on without them: a resource they create may lack an added adapter's liveness row until that adapter reports, and one they delete may keep its row until the next change of the list",
            metadata: ["resource_type": "\(type.rawValue)", "pids": "\(running)", "waited": "\(limit)"])
    }

    /// Deletes the liveness rows of resources of `type` that no longer exist, with ids in
    /// (`after`, `through`] (`through` nil: no upper bound) other than `existing`. One statement: a
    /// resource created meanwhile is either seen with its rows or not seen at all.
    static func removeOrphanLiveness(
        _ type: ResourceType, after: String, through: String?, except existing: [String], pool: PostgresPool
    ) async throws {
        _ = try await pool.query(
            """
            DELETE FROM sentinel_adapter_liveness l
            WHERE l.resource_type = $1 AND l.resource_id > $2 AND ($3::text IS NULL OR l.resource_id <= $3)
              AND l.resource_id <> ALL($4::text[])
              AND NOT EXISTS (SELECT 1 FROM \(type.table) t WHERE t.id = l.resource_id)
            """, [type.rawValue, after, through, SQLArray.literal(existing)])
    }

    /// Deletes the liveness rows of adapters no longer required for `type`, `batchSize` per transaction.
    /// The adapters that have rows are found with a walk of the liveness index (one probe per adapter).
    /// Each batch holds the list in SHARE mode and checks it, so a list change that re-adds the adapter
    /// waits for the batch and no row of a required adapter is deleted.
    static func removeUnrequiredLiveness(_ type: ResourceType, pool: PostgresPool, batchSize: Int) async throws {
        let present = try await pool.query(
            """
            WITH RECURSIVE a(adapter) AS (
                (SELECT adapter FROM sentinel_adapter_liveness WHERE resource_type = $1 ORDER BY adapter LIMIT 1)
                UNION ALL
                SELECT (SELECT l.adapter FROM sentinel_adapter_liveness l WHERE l.resource_type = $1 AND l.adapter > a.adapter
                        ORDER BY l.adapter LIMIT 1)
                FROM a WHERE a.adapter IS NOT NULL
            )
            SELECT adapter FROM a WHERE adapter IS NOT NULL
            """, [type.rawValue]
        ).map { try $0.text("adapter") }
        let required = try await current(type, pool: pool)
        for adapter in present where !required.contains(adapter) {
            while true {
                let deleted = try await pool.withTransaction { connection in
                    try await connection.queriesThenCommit([
                        PipelinedStatement("LOCK TABLE hyperfleet_required_adapters IN SHARE MODE"),
                        PipelinedStatement(
                            """
                            DELETE FROM sentinel_adapter_liveness WHERE ctid = ANY(ARRAY(
                                SELECT l.ctid FROM sentinel_adapter_liveness l
                                WHERE l.resource_type = $1 AND l.adapter = $2 AND NOT EXISTS (
                                    SELECT 1 FROM hyperfleet_required_adapters r WHERE r.resource_type = $1 AND r.adapter = $2)
                                LIMIT \(batchSize)))
                            """, [type.rawValue, adapter]),
                    ])[1].affectedRows
                }
                if deleted < batchSize { break }
            }
        }
    }
}

extension ResourceStore {
    /// Re-aggregates `ids` (sorted) in one transaction of a few statements, whatever their number: the
    /// rows are locked as a status report would (a nodepool's cluster first), read with their status
    /// rows, given the liveness rows of required adapters they lack, and the changed statuses written
    /// with one UPDATE. Row locks are held for those statements only, not for a statement per resource
    /// (500 resources one by one held the first row locked for about a second under load:
    /// benchmarks/README.md).
    func reaggregateBatch(_ type: ResourceType, ids: [String], now: Timestamp) async throws {
        let changed = try await pool.withTransaction { connection in
            let idArray = SQLArray.literal(ids)
            if type == .nodepools {
                _ = try await connection.query(
                    """
                    SELECT 1 FROM clusters WHERE id IN (SELECT cluster_id FROM nodepools WHERE id = ANY($1::text[]))
                    ORDER BY id FOR SHARE
                    """, [idArray])
            }
            let records = try await connection.query(
                "SELECT \(type.selectColumns) FROM \(type.table) WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [idArray]
            ).map(ResourceRecord.init(row:))
            let statusRows = try await connection.query(
                """
                SELECT \(type.statusForeignKey) AS resource_id, \(StatusRecord.selectColumns) FROM \(type.statusTable)
                WHERE \(type.statusForeignKey) = ANY($1::text[])
                """, [idArray])
            var byResource: [String: [StatusRecord]] = [:]
            for row in statusRows { byResource[try row.text("resource_id"), default: []].append(try StatusRecord(row: row)) }
            let required = try await RequiredAdapters.load(type, on: connection)
            // The liveness rows of required adapters that these resources lack (a create under way
            // when an adapter was added read the list without it). The rows are locked, so no deletion
            // of them is under way; the rows they have are read with one walk of the index's range.
            if let first = records.first?.id, let last = records.last?.id {
                _ = try await connection.query(
                    """
                    INSERT INTO sentinel_adapter_liveness (resource_type, resource_id, adapter, last_report_time, reported)
                    SELECT $1, m.id, m.adapter, coalesce(s.last_report_time, t.created_time), s.adapter IS NOT NULL
                    FROM (SELECT u.id, r.adapter FROM unnest($2::text[]) u(id)
                              JOIN hyperfleet_required_adapters r ON r.resource_type = $1
                          EXCEPT
                          SELECT l.resource_id, l.adapter FROM sentinel_adapter_liveness l
                          WHERE l.resource_type = $1 AND l.resource_id >= $3 AND l.resource_id <= $4) m
                    JOIN \(type.table) t ON t.id = m.id
                    LEFT JOIN \(type.statusTable) s ON s.\(type.statusForeignKey) = m.id AND s.adapter = m.adapter
                    ON CONFLICT DO NOTHING
                    """, [type.rawValue, SQLArray.literal(records.map(\.id)), first, last])
            }
            var updates: [(id: String, status: ResourceStatus)] = []
            for record in records {
                let status = aggregate(record, rows: StatusRows(records: byResource[record.id] ?? [], required: required), now: now)
                if status != record.status { updates.append((record.id, status)) }
            }
            guard !updates.isEmpty else { return ChangedTypes() }
            let columns = (0..<5).map { column in SQLArray.literal(updates.map { Self.statusUpdateParameters($0.status)[column] }) }
            _ = try await connection.query(
                """
                UPDATE \(type.table) t SET status_phase = u.phase, status_observed_generation = u.observed_generation::bigint,
                    status_last_transition_time = u.last_transition_time::timestamptz,
                    status_last_updated_time = u.last_updated_time::timestamptz, status_conditions = u.conditions::jsonb
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                    AS u(id, phase, observed_generation, last_transition_time, last_updated_time, conditions)
                WHERE t.id = u.id
                """, [SQLArray.literal(updates.map(\.id))] + columns)
            return ChangedTypes(type, phaseChanged: true)
        }
        announce(changed)
    }
}
