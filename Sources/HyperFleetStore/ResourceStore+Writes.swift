import HyperFleetJSON
import HyperFleetModel
import Postgres
import TSL

/// Where a status report or a PATCH applies: a cluster, or a nodepool under its cluster.
public enum ResourceTarget: Sendable, Equatable {
    case cluster(id: String)
    case nodePool(clusterID: String, id: String)

    var type: ResourceType {
        if case .cluster = self { return .clusters }
        return .nodepools
    }

    var id: String {
        switch self {
        case .cluster(let id), .nodePool(_, let id): return id
        }
    }

    var clusterID: String? {
        if case .nodePool(let clusterID, _) = self { return clusterID }
        return nil
    }
}

extension ResourceStore {
    // MARK: PATCH

    /// Applies a PATCH; generation grows only when spec or labels really change, and a no-op PATCH
    /// writes nothing at all.
    public func patch(_ target: ResourceTarget, _ patch: ResourcePatch, by actor: String, now: Timestamp = .now()) async throws -> ResourceRecordView {
        try await traced("patch", target) { span in
            try await writeTransaction(in: span) { connection in
                let record = try await lock(target, on: connection)
                if record.deletedTime != nil {
                    throw StoreError.conflict("\(target.type.noun) '\(target.id)' is being deleted and cannot be changed")
                }
                let patched = try patch.apply(spec: record.spec, labels: record.labels).get()
                guard patched.changed else { return ResourceRecordView(record) }
                let labels = JSONValue.object(patched.labels.mapValues { .string($0) }).serialized()
                _ = try await connection.query(
                    """
                    UPDATE \(target.type.table) SET spec = $2::jsonb, labels = $3::jsonb, generation = generation + 1,
                    updated_time = $4::timestamptz, updated_by = $5 WHERE id = $1
                    """,
                    [target.id, JSONValue.object(patched.spec).serialized(), labels, now.rfc3339, actor])
                var updated = record
                updated.spec = patched.spec
                updated.labels = patched.labels
                updated.generation += 1
                updated.updatedTime = now
                updated.updatedBy = actor
                let statuses = try await statusRecords(target, on: connection).map(\.status)
                updated.status = try await reaggregate(updated, type: target.type, statuses: statuses, now: now, on: connection)
                return ResourceRecordView(updated)
            }
        }
    }

    // MARK: Status reports

    /// Stores an adapter's report and re-aggregates the resource's status in the same transaction,
    /// holding the resource's row lock (parent cluster first for nodepools).
    public func upsertStatus(_ target: ResourceTarget, _ report: StatusReport, now: Timestamp = .now()) async throws -> AdapterStatus {
        try await traced("upsertStatus", target) { span in
            span?.attributes[StoreSpanAttribute.adapter] = report.adapter
            return try await writeTransaction(in: span) { connection in
                let record = try await lock(target, on: connection)
                var records = try await statusRecords(target, on: connection)
                let existingIndex = records.firstIndex { $0.status.adapter == report.adapter }
                if let existingIndex {
                    let existing = records[existingIndex]
                    // The stored observed time (not the clamped report time) decides the order of reports.
                    if report.observedGeneration == existing.status.observedGeneration, report.observedTime < existing.observedTime {
                        throw StoreError.conflict(
                            "report is older than the stored one for adapter '\(report.adapter)' at generation \(report.observedGeneration)")
                    }
                }
                let merged = try StatusUpsert.merge(
                    existing: existingIndex.map { records[$0].status }, report: report,
                    resourceGeneration: record.generation, now: now
                ).get()
                let table = target.type.statusTable
                _ = try await connection.query(
                    """
                    INSERT INTO \(table) (\(target.type.statusForeignKey), adapter, observed_generation, observed_time, conditions,
                        metadata, data, created_time, last_report_time)
                    VALUES ($1, $2, $3::bigint, $4::timestamptz, $5::jsonb, $6::jsonb, $7::jsonb, $8::timestamptz, $9::timestamptz)
                    ON CONFLICT (\(target.type.statusForeignKey), adapter) DO UPDATE SET
                        observed_generation = EXCLUDED.observed_generation, observed_time = EXCLUDED.observed_time,
                        conditions = EXCLUDED.conditions, metadata = EXCLUDED.metadata, data = EXCLUDED.data,
                        last_report_time = EXCLUDED.last_report_time
                    """,
                    [
                        target.id, merged.adapter, String(merged.observedGeneration), report.observedTime.rfc3339,
                        merged.conditions.jsonText, merged.metadata?.serialized(), merged.data?.serialized(),
                        merged.createdTime.rfc3339, merged.lastReportTime.rfc3339,
                    ])
                let stored = StatusRecord(status: merged, observedTime: report.observedTime)
                if let existingIndex { records[existingIndex] = stored } else { records.append(stored) }
                _ = try await reaggregate(record, type: target.type, statuses: records.map(\.status), now: now, on: connection)
                try await finalizeIfComplete(record, target: target, statuses: records.map(\.status), on: connection)
                return merged
            }
        }
    }

    public func statuses(_ target: ResourceTarget, _ query: ListQuery) async throws -> ListPage<AdapterStatus> {
        try await traced("statuses", target) { _ in
            let (ordering, filter) = try query.clauses(
                orderFields: ResourceType.statusOrderFields, idSQL: "adapter", catalog: ResourceType.statusSearchCatalog)
            return try await pool.withConnection { connection in
                _ = try await existing(target, on: connection, lockClause: "")
                var parameters = filter.bindings
                parameters.append(target.id)
                let whereClause = "(\(filter.sql)) AND \(target.type.statusForeignKey) = $\(parameters.count)"
                let count = try await connection.query("SELECT count(*) AS total FROM \(target.type.statusTable) WHERE \(whereClause)", parameters)
                let rows = try await connection.query(
                    """
                    SELECT \(StatusRecord.selectColumns) FROM \(target.type.statusTable) WHERE \(whereClause)
                    ORDER BY \(ordering) LIMIT \(query.pageSize) OFFSET \(query.offset)
                    """, parameters)
                let items = try rows.map { try StatusRecord(row: $0).status }
                return ListPage(
                    kind: "AdapterStatusList", page: query.page,
                    total: Int(try count.first?.int("total") ?? 0), items: items)
            }
        }
    }

    // MARK: Shared steps

    /// Locks the resource's row (a nodepool's cluster first) and returns it; 404 if absent.
    func lock(_ target: ResourceTarget, on connection: PostgresConnection) async throws -> ResourceRecord {
        if let clusterID = target.clusterID {
            let parent = try await connection.query("SELECT 1 FROM clusters WHERE id = $1 FOR SHARE", [clusterID])
            if parent.isEmpty { throw notFound(.nodepools, id: target.id, clusterID: clusterID) }
        }
        return try await existing(target, on: connection, lockClause: " FOR UPDATE")
    }

    private func existing(_ target: ResourceTarget, on connection: PostgresConnection, lockClause: String) async throws -> ResourceRecord {
        var sql = "SELECT \(target.type.selectColumns) FROM \(target.type.table) WHERE id = $1"
        var parameters: [String?] = [target.id]
        if let clusterID = target.clusterID {
            sql += " AND cluster_id = $2"
            parameters.append(clusterID)
        }
        guard let row = try await connection.query(sql + lockClause, parameters).first else {
            throw notFound(target.type, id: target.id, clusterID: target.clusterID)
        }
        return try ResourceRecord(row: row)
    }

    func statusRecords(_ target: ResourceTarget, on connection: PostgresConnection) async throws -> [StatusRecord] {
        try await connection.query(
            "SELECT \(StatusRecord.selectColumns) FROM \(target.type.statusTable) WHERE \(target.type.statusForeignKey) = $1",
            [target.id]
        ).map(StatusRecord.init(row:))
    }

    /// Computes the resource's status from its reports and writes it if it changed.
    func reaggregate(
        _ record: ResourceRecord, type: ResourceType, statuses: [AdapterStatus], now: Timestamp,
        on connection: PostgresConnection
    ) async throws -> ResourceStatus {
        let required = try await RequiredAdapters.load(type, on: connection)
        let status = StatusAggregation.aggregate(
            generation: record.generation, createdTime: record.createdTime, previous: record.status,
            statuses: statuses, requiredAdapters: required, now: now)
        if status != record.status {
            _ = try await connection.query(
                """
                UPDATE \(type.table) SET status_phase = $2, status_observed_generation = $3::bigint,
                status_last_transition_time = $4::timestamptz, status_last_updated_time = $5::timestamptz,
                status_conditions = $6::jsonb WHERE id = $1
                """,
                [
                    record.id, status.phase.rawValue, String(status.observedGeneration), status.lastTransitionTime.rfc3339,
                    status.lastUpdatedTime.rfc3339, status.conditions.jsonText,
                ])
        }
        return status
    }
}

/// A stored resource, shaped as the client sees it.
public struct ResourceRecordView: Sendable {
    let record: ResourceRecord
    init(_ record: ResourceRecord) { self.record = record }
    public var cluster: Cluster { record.cluster }
    public var nodePool: NodePool { record.nodePool }
}
