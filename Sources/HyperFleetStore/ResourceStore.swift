import HyperFleetJSON
import HyperFleetModel
import Logging
import Postgres
import TSL
import Tracing

/// Every read and write of clusters, nodepools and adapter statuses. Each write is one transaction;
/// status reports and PATCHes re-aggregate the resource's `status` under the resource's row lock.
public struct ResourceStore: Sendable {
    let pool: PostgresPool
    let logger: Logger
    /// Spans of the store's operations (`ResourceStore+Tracing.swift`); nil when tracing is off.
    let tracer: (any Tracer)?
    /// GET by id, in shared statements.
    private let clusterReads: BatchedRowReads
    private let nodePoolReads: BatchedRowReads
    /// List totals reused until the next write.
    private let totals = ListTotals()
    /// Wakes the Sentinels after a write committed (the change triggers no longer NOTIFY: migration 10).
    let changeHints: PostgresHints

    /// `tracer`: the component's tracer; nil or the no-op tracer (tracing off) make no spans.
    public init(pool: PostgresPool, logger: Logger, tracer: (any Tracer)? = nil) {
        self.pool = pool
        self.logger = logger
        self.tracer = tracer is NoOpTracer ? nil : tracer
        self.clusterReads = BatchedRowReads(pool: pool, sql: ResourceType.clusters.readByIDsSQL)
        self.nodePoolReads = BatchedRowReads(pool: pool, sql: ResourceType.nodepools.readByIDsSQL)
        self.changeHints = PostgresHints(pool: pool, channel: Schema.sentinelChannel, logger: logger)
    }

    // MARK: Create

    public func createCluster(_ request: ResourceCreate, by actor: String, now: Timestamp = .now()) async throws -> Cluster {
        try await traced("createCluster", .clusters) { span in
            let cluster = try await writeTransaction(in: span) { connection in
                // One round trip: BEGIN, the insert, COMMIT.
                try await insert(.clusters, request, clusterID: nil, by: actor, now: now, on: connection).cluster
            }
            span?.attributes[StoreSpanAttribute.resourceID] = cluster.id
            announce(ChangedTypes(.clusters))
            return cluster
        }
    }

    public func createNodePool(clusterID: String, _ request: ResourceCreate, by actor: String, now: Timestamp = .now()) async throws -> NodePool {
        try await traced("createNodePool", .nodepools, clusterID: clusterID) { span in
            let nodePool = try await writeTransaction(in: span) { connection in
                // Parent first: the same lock order as status reports and deletion.
                let parent = try await connection.queryPrepared("SELECT deleted_time FROM clusters WHERE id = $1 FOR SHARE", [clusterID])
                guard let row = parent.first else { throw StoreError.notFound("cluster '\(clusterID)' not found") }
                if row["deleted_time"] != nil {
                    throw StoreError.conflict("cluster '\(clusterID)' is being deleted; no nodepool can be added")
                }
                return try await insert(.nodepools, request, clusterID: clusterID, by: actor, now: now, on: connection).nodePool
            }
            span?.attributes[StoreSpanAttribute.resourceID] = nodePool.id
            announce(ChangedTypes(.nodepools))
            return nodePool
        }
    }

    /// Inserts the resource as its transaction's last statement: sent together with the COMMIT.
    private func insert(
        _ type: ResourceType, _ request: ResourceCreate, clusterID: String?, by actor: String, now: Timestamp,
        on connection: PostgresConnection
    ) async throws -> ResourceRecord {
        let id = ResourceID.generate(at: now)
        let labels = JSONValue.object(request.labels.mapValues { .string($0) }).serialized()
        var columns = "id, name, spec, labels, generation, created_time, updated_time, created_by, updated_by, status_last_transition_time, status_last_updated_time"
        var values = "$1, $2, $3::jsonb, $4::jsonb, 1, $5::timestamptz, $5::timestamptz, $6, $6, $5::timestamptz, $5::timestamptz"
        var parameters: [String?] = [id, request.name, JSONValue.object(request.spec).serialized(), labels, now.rfc3339, actor]
        if let clusterID {
            columns += ", cluster_id"
            values += ", $7"
            parameters.append(clusterID)
        }
        do {
            let statement = PipelinedStatement(
                "INSERT INTO \(type.table) (\(columns)) VALUES (\(values)) RETURNING \(type.selectColumns)", parameters, prepared: true)
            let result = try await connection.queriesThenCommit([statement])[0]
            guard let row = result.first else { throw StoreError.corrupt("insert returned no row") }
            return try ResourceRecord(row: row)
        } catch let error as PostgresError where error.isUniqueViolation {
            let scope = clusterID.map { " in cluster '\($0)'" } ?? ""
            throw StoreError.conflict("\(type.noun) name '\(request.name)' already exists\(scope)")
        }
    }

    // MARK: Read

    public func cluster(id: String) async throws -> Cluster {
        try await traced("cluster", .clusters, id: id) { _ in
            try ResourceRecord(row: try await storedRow(.clusters, id: id, clusterID: nil)).cluster
        }
    }

    public func nodePool(clusterID: String, id: String) async throws -> NodePool {
        try await traced("nodePool", .nodepools, id: id, clusterID: clusterID) { _ in
            try ResourceRecord(row: try await storedRow(.nodepools, id: id, clusterID: clusterID)).nodePool
        }
    }

    /// A cluster as GET returns it (stored JSON written through unparsed).
    public func clusterDocument(id: String) async throws -> ResourceDocument {
        try await traced("clusterDocument", .clusters, id: id) { _ in
            try ResourceDocument(row: try await storedRow(.clusters, id: id, clusterID: nil))
        }
    }

    /// A nodepool of `clusterID` as GET returns it.
    public func nodePoolDocument(clusterID: String, id: String) async throws -> ResourceDocument {
        try await traced("nodePoolDocument", .nodepools, id: id, clusterID: clusterID) { _ in
            try ResourceDocument(row: try await storedRow(.nodepools, id: id, clusterID: clusterID))
        }
    }

    private func storedRow(_ type: ResourceType, id: String, clusterID: String?) async throws -> PostgresRow {
        let reads = type == .clusters ? clusterReads : nodePoolReads
        guard let row = try await reads.read(id), clusterID == nil || row["cluster_id"] == clusterID else {
            throw notFound(type, id: id, clusterID: clusterID)
        }
        return row
    }

    public func clusters(_ query: ListQuery) async throws -> ListPage<ResourceDocument> {
        try await traced("clusters", .clusters) { _ in
            let page = try await list(.clusters, query, clusterID: nil)
            return ListPage(kind: "ClusterList", page: query.page, total: page.total, items: page.items)
        }
    }

    /// Nodepools of one cluster (404 if the cluster does not exist), or of every cluster.
    public func nodePools(clusterID: String?, _ query: ListQuery) async throws -> ListPage<ResourceDocument> {
        try await traced("nodePools", .nodepools, clusterID: clusterID) { _ in
            if let clusterID {
                try await requireExists(.clusters, id: clusterID, clusterID: nil)
            }
            let page = try await list(.nodepools, query, clusterID: clusterID)
            return ListPage(kind: "NodePoolList", page: query.page, total: page.total, items: page.items)
        }
    }

    private func list(_ type: ResourceType, _ query: ListQuery, clusterID: String?) async throws -> (items: [ResourceDocument], total: Int) {
        let (ordering, filter) = try query.clauses(orderFields: type.orderFields, idSQL: "id", catalog: type.searchCatalog)
        var whereClause = filter.sql
        var parameters = filter.bindings
        if let clusterID {
            // The user's expression is scoped as a whole to this cluster.
            parameters.append(clusterID)
            whereClause = "(\(filter.sql)) AND cluster_id = $\(parameters.count)"
        }
        let totalKey = ([type.rawValue, whereClause] + parameters.map { $0 ?? "\u{0}NULL" }).joined(separator: "\u{0}")
        let rows = try await pool.query(
            """
            SELECT \(type.selectColumns), \(ListTotals.versionSQL(type)) AS list_version
            FROM \(type.table) WHERE \(whereClause)
            ORDER BY \(ordering) LIMIT \(query.pageSize) OFFSET \(query.offset)
            """, parameters)
        // The page's own snapshot tells which total is exact for it.
        let total = try await totals.total(
            type, whereClause: whereClause, parameters: parameters, key: totalKey,
            version: try rows.first?.int("list_version"), pool: pool)
        return (try rows.map(ResourceDocument.init(row:)), total)
    }

    /// Folds piled-up write records of both resource types (see `ListTotals`). Lists fold them too,
    /// but a deployment that writes and never lists must not grow the table: the API calls this
    /// every minute.
    public func foldListChanges() async throws {
        try await translatingErrors {
            try await pool.withConnection { connection in
                for type in ResourceType.allCases {
                    try await ListTotals.compact(type, above: ListTotals.compactAbove, on: connection)
                }
            }
        }
    }

    private func requireExists(_ type: ResourceType, id: String, clusterID: String?) async throws {
        var sql = "SELECT 1 FROM \(type.table) WHERE id = $1"
        var parameters: [String?] = [id]
        if let clusterID {
            sql += " AND cluster_id = $2"
            parameters.append(clusterID)
        }
        if try await pool.query(sql, parameters).isEmpty {
            throw notFound(type, id: id, clusterID: clusterID)
        }
    }

    func notFound(_ type: ResourceType, id: String, clusterID: String?) -> StoreError {
        if let clusterID {
            return .notFound("nodepool '\(id)' not found in cluster '\(clusterID)'")
        }
        return .notFound("\(type.noun) '\(id)' not found")
    }
}
