import HyperFleetModel
import Postgres

extension ResourceStore {
    /// The most history a read returns for one resource, trimmed or not.
    public static let historyLimit = 100
    /// The history entries the reconciliation document carries.
    public static let reconciliationHistoryLimit = 20

    // MARK: Controls

    /// Records a control in `hyperfleet_reconcile_controls` (its trigger writes the history entry and the
    /// Sentinel's change row in this transaction) and returns the document after it. Pause on a paused
    /// resource and resume on a running one update no row, so nothing is recorded. The resource's row is
    /// locked first (`FOR KEY SHARE`: it does not block status reports or PATCHes that hold no key
    /// lock, but a concurrent hard delete waits), so no control row outlives its resource.
    public func control(
        _ control: ReconcileControl, _ target: ResourceTarget, _ request: ReconcileControlRequest, by actor: String,
        now: Timestamp = .now()
    ) async throws -> Reconciliation {
        try await traced(control.rawValue, target) { span in
            try await writeTransaction(in: span) { connection in
                try await lockKey(target, on: connection)
                let parameters: [String?] = [target.type.rawValue, target.id, now.rfc3339, actor, request.reason]
                switch control {
                case .reconcile:
                    _ = try await connection.query(
                        """
                        INSERT INTO hyperfleet_reconcile_controls AS c (resource_type, resource_id, request_seq, requested_at, requested_by, request_reason)
                        VALUES ($1, $2, 1, $3::timestamptz, $4, $5)
                        ON CONFLICT (resource_type, resource_id) DO UPDATE SET request_seq = c.request_seq + 1,
                            requested_at = EXCLUDED.requested_at, requested_by = EXCLUDED.requested_by, request_reason = EXCLUDED.request_reason
                        """, parameters)
                case .pause:
                    _ = try await connection.query(
                        """
                        INSERT INTO hyperfleet_reconcile_controls AS c (resource_type, resource_id, paused, paused_at, paused_by, pause_reason)
                        VALUES ($1, $2, true, $3::timestamptz, $4, $5)
                        ON CONFLICT (resource_type, resource_id) DO UPDATE SET paused = true,
                            paused_at = EXCLUDED.paused_at, paused_by = EXCLUDED.paused_by, pause_reason = EXCLUDED.pause_reason
                        WHERE NOT c.paused
                        """, parameters)
                case .resume:
                    _ = try await connection.query(
                        """
                        UPDATE hyperfleet_reconcile_controls SET paused = false,
                            resumed_at = $3::timestamptz, resumed_by = $4, resume_reason = $5
                        WHERE resource_type = $1 AND resource_id = $2 AND paused
                        """, parameters)
                }
                return try await reconciliation(target, on: connection)
            }
        }
    }

    /// Locks the resource's key (a nodepool only under its cluster); 404 if absent.
    private func lockKey(_ target: ResourceTarget, on connection: PostgresConnection) async throws {
        var sql = "SELECT 1 FROM \(target.type.table) WHERE id = $1"
        var parameters: [String?] = [target.id]
        if let clusterID = target.clusterID {
            sql += " AND cluster_id = $2"
            parameters.append(clusterID)
        }
        if try await connection.query(sql + " FOR KEY SHARE", parameters).isEmpty {
            throw notFound(target.type, id: target.id, clusterID: target.clusterID)
        }
    }

    // MARK: Reads

    /// The reconciliation document of one resource, read from the Sentinel's views. Its three reads
    /// share one snapshot (a read-only repeatable-read transaction), so a write landing between them
    /// cannot make the record, the adapters and the history disagree.
    public func reconciliation(_ target: ResourceTarget) async throws -> Reconciliation {
        try await traced("reconciliation", target) { _ in
            try await pool.withTransaction { connection in
                _ = try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return try await reconciliation(target, on: connection)
            }
        }
    }

    /// One page of a resource's history, newest first, within its newest `historyLimit` entries.
    public func history(_ target: ResourceTarget, _ query: ListQuery) async throws -> ListPage<ReconcileHistoryEntry> {
        try await traced("history", target) { _ in
            try await pool.withConnection { connection in
                guard try await connection.query(Self.existsSQL(target), Self.keyParameters(target)).first != nil else {
                    throw notFound(target.type, id: target.id, clusterID: target.clusterID)
                }
                let kept = try await historyEntries(target, limit: Self.historyLimit, on: connection)
                let start = min(query.offset, kept.count)
                let items = Array(kept[start..<min(kept.count, start + query.pageSize)])
                return ListPage(kind: "ReconcileHistoryList", page: query.page, total: kept.count, items: items)
            }
        }
    }

    func reconciliation(_ target: ResourceTarget, on connection: PostgresConnection) async throws -> Reconciliation {
        // The resource's row and its controls, records and settings: one indexed read each.
        guard let row = try await connection.query(
            "SELECT * FROM hyperfleet_reconciliation WHERE resource_type = $1 AND resource_id = $2 AND (\(Self.ownerCondition(target)))",
            Self.keyParameters(target)
        ).first else {
            throw notFound(target.type, id: target.id, clusterID: target.clusterID)
        }
        let adapterRows = try await connection.query(
            "SELECT * FROM hyperfleet_reconciliation_adapters WHERE resource_type = $1 AND resource_id = $2 ORDER BY adapter",
            [target.type.rawValue, target.id])
        let adapters = try adapterRows.map { row in
            Reconciliation.Adapter(
                name: try row.text("adapter"), required: try row.bool("required"),
                observedGeneration: try row.optionalInt("observed_generation"),
                current: try row["current"].map { _ in try row.bool("current") } ?? false,
                available: row["available"], health: row["health"],
                lastReportTime: try Self.optionalTime(row, "last_report_time"),
                stale: try row["stale"].map { _ in try row.bool("stale") } ?? false)
        }
        let blocking = adapterRows.compactMap { row in
            row["blocking_reason"].flatMap { reason in row["adapter"].map { Reconciliation.Blocking(adapter: $0, reason: reason) } }
        }
        let lastEventAt = try Self.optionalTime(row, "last_event_published_at")
        let lastEvent = lastEventAt == nil && row["last_event_id"] == nil
            ? nil
            : Reconciliation.LastEvent(
                id: row["last_event_id"], reason: row["last_event_reason"],
                generation: try row.optionalInt("last_event_generation"), publishedAt: lastEventAt)
        var next: Reconciliation.Next?
        if let reason = row["next_reason"], let due = try Self.optionalTime(row, "next_due_at") {
            next = Reconciliation.Next(reason: reason, dueAt: due)
        }
        return Reconciliation(
            id: target.id,
            href: target.clusterID.map { Paths.nodePool(clusterID: $0, id: target.id) } ?? Paths.cluster(target.id),
            resourceKind: target.type.kind, generation: try row.int("generation"), phase: try row.text("status_phase"),
            deletedTime: try Self.optionalTime(row, "deleted_time"),
            paused: try row.bool("paused"), pausedAt: try Self.optionalTime(row, "paused_at"), pausedBy: row["paused_by"],
            pauseReason: row["pause_reason"],
            pendingRequest: try row.bool("pending_request"), requestedAt: try Self.optionalTime(row, "requested_at"),
            requestedBy: row["requested_by"],
            deletionHeld: try row["deletion_held"].map { _ in try row.bool("deletion_held") } ?? false,
            lastEvent: lastEvent, next: next, decidedAt: try Self.optionalTime(row, "decided_at"),
            attempts: try row.int("attempts"), adapters: adapters, blocking: blocking,
            history: try await historyEntries(target, limit: Self.reconciliationHistoryLimit, on: connection))
    }

    /// The newest `limit` entries within the retention, newest first.
    private func historyEntries(_ target: ResourceTarget, limit: Int, on connection: PostgresConnection) async throws -> [ReconcileHistoryEntry] {
        try await connection.query(
            """
            SELECT action, at, reason, actor, event_id, generation FROM hyperfleet_reconcile_history_kept
            WHERE resource_type = $1 AND resource_id = $2 ORDER BY seq DESC LIMIT \(limit)
            """, [target.type.rawValue, target.id]
        ).map { row in
            ReconcileHistoryEntry(
                action: try row.text("action"), time: try ResourceRecord.time(row, "at"), reason: row["reason"],
                actor: row["actor"], eventID: row["event_id"], generation: try row.optionalInt("generation"))
        }
    }

    /// `$1` the type, `$2` the id, `$3` a nodepool's cluster.
    private static func keyParameters(_ target: ResourceTarget) -> [String?] {
        var parameters: [String?] = [target.type.rawValue, target.id]
        if let clusterID = target.clusterID { parameters.append(clusterID) }
        return parameters
    }

    /// A nodepool is found only under its own cluster.
    private static func ownerCondition(_ target: ResourceTarget) -> String {
        target.clusterID == nil ? "true" : "EXISTS (SELECT 1 FROM nodepools n WHERE n.id = $2 AND n.cluster_id = $3)"
    }

    private static func existsSQL(_ target: ResourceTarget) -> String {
        target.clusterID == nil
            ? "SELECT 1 FROM clusters WHERE id = $2 AND $1::text = 'clusters'"
            : "SELECT 1 FROM nodepools WHERE id = $2 AND cluster_id = $3 AND $1::text = 'nodepools'"
    }

    private static func optionalTime(_ row: PostgresRow, _ column: String) throws -> Timestamp? {
        try row[column].map { _ in try ResourceRecord.time(row, column) }
    }
}
