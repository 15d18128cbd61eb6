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
            let (view, changed) = try await writeTransaction(in: span) { connection in
                // The status rows come with the lock (one round trip); a PATCH that changes nothing ignores them.
                let (record, rows) = try await lockWithStatusRows(target, on: connection)
                if record.deletedTime != nil {
                    throw StoreError.conflict("\(target.type.noun) '\(target.id)' is being deleted and cannot be changed")
                }
                let patched = try patch.apply(spec: record.spec, labels: record.labels).get()
                guard patched.changed else { return (ResourceRecordView(record), ChangedTypes()) }
                var updated = record
                updated.spec = patched.spec
                updated.labels = patched.labels
                updated.generation += 1
                updated.updatedTime = now
                updated.updatedBy = actor
                updated.status = aggregate(updated, rows: rows, now: now)
                // The user's change and the status it leads to: one row version, sent with the COMMIT.
                let labels = JSONValue.object(patched.labels.mapValues { .string($0) }).serialized()
                _ = try await connection.queriesThenCommit([PipelinedStatement(
                    """
                    UPDATE \(target.type.table) SET spec = $2::jsonb, labels = $3::jsonb, generation = $4::bigint,
                    updated_time = $5::timestamptz, updated_by = $6, \(Self.statusAssignments(firstParameter: 7)) WHERE id = $1
                    """,
                    [target.id, JSONValue.object(patched.spec).serialized(), labels, String(updated.generation), now.rfc3339, actor]
                        + Self.statusUpdateParameters(updated.status), prepared: true)])
                return (ResourceRecordView(updated), ChangedTypes(target.type, phaseChanged: updated.status.phase != record.status.phase))
            }
            announce(changed)
            return view
        }
    }

    // MARK: Status reports

    /// Stores an adapter's report and re-aggregates the resource's status in the same transaction,
    /// holding the resource's row lock (parent cluster first for nodepools). Two round trips: BEGIN, the
    /// lock and the status rows with the required adapters; then the upsert together with the status
    /// update, and COMMIT (pipeline mode).
    public func upsertStatus(_ target: ResourceTarget, _ report: StatusReport, now: Timestamp = .now()) async throws -> AdapterStatus {
        try await traced("upsertStatus", target) { span in
            span?.attributes[StoreSpanAttribute.adapter] = report.adapter
            let (stored, changed) = try await writeTransaction(in: span) { connection in
                let (record, storedRows) = try await lockWithStatusRows(target, on: connection)
                var rows = storedRows
                let existingIndex = rows.records.firstIndex { $0.status.adapter == report.adapter }
                if let existingIndex {
                    let existing = rows.records[existingIndex]
                    // The stored observed time (not the clamped report time) decides the order of reports.
                    if report.observedGeneration == existing.status.observedGeneration, report.observedTime < existing.observedTime {
                        throw StoreError.conflict(
                            "report is older than the stored one for adapter '\(report.adapter)' at generation \(report.observedGeneration)")
                    }
                }
                let merged = try StatusUpsert.merge(
                    existing: existingIndex.map { rows.records[$0].status }, report: report,
                    resourceGeneration: record.generation, now: now
                ).get()
                let stored = StatusRecord(status: merged, observedTime: report.observedTime)
                if let existingIndex { rows.records[existingIndex] = stored } else { rows.records.append(stored) }
                let status = aggregate(record, rows: rows, now: now)
                // The upsert and, when the status changed, the resource's update: one statement.
                let table = target.type.statusTable
                var parameters: [String?] = [
                    target.id, merged.adapter, String(merged.observedGeneration), report.observedTime.rfc3339,
                    merged.conditions.jsonText, merged.metadata?.serialized(), merged.data?.serialized(),
                    merged.createdTime.rfc3339, merged.lastReportTime.rfc3339,
                ]
                var sql = """
                    INSERT INTO \(table) (\(target.type.statusForeignKey), adapter, observed_generation, observed_time, conditions,
                        metadata, data, created_time, last_report_time)
                    VALUES ($1, $2, $3::bigint, $4::timestamptz, $5::jsonb, $6::jsonb, $7::jsonb, $8::timestamptz, $9::timestamptz)
                    ON CONFLICT (\(target.type.statusForeignKey), adapter) DO UPDATE SET
                        observed_generation = EXCLUDED.observed_generation, observed_time = EXCLUDED.observed_time,
                        conditions = EXCLUDED.conditions, metadata = EXCLUDED.metadata, data = EXCLUDED.data,
                        last_report_time = EXCLUDED.last_report_time
                    """
                if status != record.status {
                    sql = "WITH upsert AS (\(sql) RETURNING 1) " + Self.statusUpdateSQL(target.type, firstParameter: parameters.count + 1)
                    parameters += Self.statusUpdateParameters(status)
                }
                let write = PipelinedStatement(sql, parameters, prepared: true)
                if record.deletedTime == nil {
                    // Nothing to finalize: the write goes out with the COMMIT.
                    _ = try await connection.queriesThenCommit([write])
                } else {
                    _ = try await connection.queries([write])
                    try await finalizeIfComplete(record, target: target, rows: rows, on: connection)
                }
                return (merged, ChangedTypes(target.type, phaseChanged: status.phase != record.status.phase))
            }
            announce(changed)
            return stored
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
        try lockedRecord(target, try await connection.queries(lockStatements(target)))
    }

    /// `lock` and `statusRows` in one round trip (the rows are read once the lock is held: the server
    /// runs the statements of a pipeline in order).
    func lockWithStatusRows(_ target: ResourceTarget, on connection: PostgresConnection) async throws -> (ResourceRecord, StatusRows) {
        let locking = lockStatements(target)
        let results = try await connection.queries(locking + [statusRowsStatement(target)])
        return (try lockedRecord(target, Array(results.prefix(locking.count))), try statusRows(from: results[locking.count]))
    }

    /// The statements of `lock`: the parent cluster `FOR SHARE` (nodepools), then the row `FOR UPDATE`.
    private func lockStatements(_ target: ResourceTarget) -> [PipelinedStatement] {
        var statements: [PipelinedStatement] = []
        if let clusterID = target.clusterID {
            statements.append(PipelinedStatement("SELECT 1 FROM clusters WHERE id = $1 FOR SHARE", [clusterID], prepared: true))
        }
        statements.append(existingStatement(target, lockClause: " FOR UPDATE"))
        return statements
    }

    /// The locked record from the results of `lockStatements`; 404 when the parent or the row is absent.
    private func lockedRecord(_ target: ResourceTarget, _ results: [PostgresResult]) throws -> ResourceRecord {
        if let clusterID = target.clusterID, results.first?.isEmpty ?? true {
            throw notFound(.nodepools, id: target.id, clusterID: clusterID)
        }
        guard let row = results.last?.first else { throw notFound(target.type, id: target.id, clusterID: target.clusterID) }
        return try ResourceRecord(row: row)
    }

    private func existing(_ target: ResourceTarget, on connection: PostgresConnection, lockClause: String) async throws -> ResourceRecord {
        let statement = existingStatement(target, lockClause: lockClause)
        guard let row = try await connection.queryPrepared(statement.sql, statement.parameters).first else {
            throw notFound(target.type, id: target.id, clusterID: target.clusterID)
        }
        return try ResourceRecord(row: row)
    }

    private func existingStatement(_ target: ResourceTarget, lockClause: String) -> PipelinedStatement {
        var sql = "SELECT \(target.type.selectColumns) FROM \(target.type.table) WHERE id = $1"
        var parameters: [String?] = [target.id]
        if let clusterID = target.clusterID {
            sql += " AND cluster_id = $2"
            parameters.append(clusterID)
        }
        return PipelinedStatement(sql + lockClause, parameters, prepared: true)
    }

    /// The resource's adapter status rows and its type's required adapters, in one statement.
    func statusRows(_ target: ResourceTarget, on connection: PostgresConnection) async throws -> StatusRows {
        let statement = statusRowsStatement(target)
        return try statusRows(from: try await connection.query(statement.sql, statement.parameters))
    }

    /// The statement of `statusRows`. Not a prepared statement, unlike the lock and the write (their
    /// rows are found by primary key or conflict arbiter): a generic plan made while `cluster_statuses`
    /// was empty kept a sequential scan as the table grew (31 buffers and 195 us per call in the write
    /// benchmark's first run, against 2 buffers and 16 us unprepared; benchmarks/README.md, "The write path").
    private func statusRowsStatement(_ target: ResourceTarget) -> PipelinedStatement {
        PipelinedStatement(
            """
            SELECT r.required, \(StatusRecord.selectColumns)
            FROM (SELECT coalesce(string_agg(adapter, ',' ORDER BY adapter), '') AS required
                  FROM hyperfleet_required_adapters WHERE resource_type = $2) r
            LEFT JOIN \(target.type.statusTable) s ON s.\(target.type.statusForeignKey) = $1
            """,
            [target.id, target.type.rawValue])
    }

    private func statusRows(from result: PostgresResult) throws -> StatusRows {
        let required = try result.first.map { try $0.text("required") } ?? ""
        return StatusRows(
            records: try result.filter { $0["adapter"] != nil }.map(StatusRecord.init(row:)),
            required: required.split(separator: ",").map(String.init))
    }

    /// The resource's status as its rows make it (pure).
    func aggregate(_ record: ResourceRecord, rows: StatusRows, now: Timestamp) -> ResourceStatus {
        StatusAggregation.aggregate(
            generation: record.generation, createdTime: record.createdTime, previous: record.status,
            statuses: rows.statuses, requiredAdapters: rows.required, now: now)
    }

    /// Computes the resource's status from its rows and writes it if it changed.
    func reaggregate(
        _ record: ResourceRecord, type: ResourceType, rows: StatusRows, now: Timestamp, on connection: PostgresConnection
    ) async throws -> ResourceStatus {
        let status = aggregate(record, rows: rows, now: now)
        if status != record.status {
            _ = try await connection.query(
                Self.statusUpdateSQL(type, firstParameter: 2), [record.id] + Self.statusUpdateParameters(status))
        }
        return status
    }

    /// `UPDATE` of a resource's status columns, `$1` the id and five parameters from `firstParameter`
    /// (`statusUpdateParameters`).
    static func statusUpdateSQL(_ type: ResourceType, firstParameter n: Int) -> String {
        "UPDATE \(type.table) SET \(statusAssignments(firstParameter: n)) WHERE id = $1"
    }

    /// The SET list of the status columns, five parameters from `firstParameter`.
    static func statusAssignments(firstParameter n: Int) -> String {
        """
        status_phase = $\(n), status_observed_generation = $\(n + 1)::bigint, status_last_transition_time = $\(n + 2)::timestamptz,
        status_last_updated_time = $\(n + 3)::timestamptz, status_conditions = $\(n + 4)::jsonb
        """
    }

    static func statusUpdateParameters(_ status: ResourceStatus) -> [String?] {
        [
            status.phase.rawValue, String(status.observedGeneration), status.lastTransitionTime.rfc3339,
            status.lastUpdatedTime.rfc3339, status.conditions.jsonText,
        ]
    }

    /// Wakes the Sentinels watching what a committed write queued (see `ChangeHints`).
    func announce(_ changed: ChangedTypes) {
        for type in changed.types { changeHints.notify(type.rawValue) }
    }
}

/// A resource's adapter status rows and the required adapters of its type.
struct StatusRows: Sendable {
    var records: [StatusRecord]
    var required: [String]
    var statuses: [AdapterStatus] { records.map(\.status) }
}

/// The resource types a write queued changes for: its own, and a cluster's nodepools when the
/// cluster's phase changed (the change trigger queues them then).
struct ChangedTypes: Sendable {
    var types: [ResourceType] = []

    init() {}

    init(_ type: ResourceType, phaseChanged: Bool = false) {
        types = [type]
        if type == .clusters, phaseChanged { types.append(.nodepools) }
    }
}

/// A stored resource, shaped as the client sees it.
public struct ResourceRecordView: Sendable {
    let record: ResourceRecord
    init(_ record: ResourceRecord) { self.record = record }
    public var cluster: Cluster { record.cluster }
    public var nodePool: NodePool { record.nodePool }
}
