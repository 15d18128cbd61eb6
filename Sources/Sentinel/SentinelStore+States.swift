import Postgres
import SentinelCore

/// One adapter status row as the look reads it.
private struct AdapterReport {
    var adapter: String
    var generation: Int64
    var reported: Int64
    var available: String?
    var finalized: String?
}

extension SentinelStore {
    /// The states of the locked records whose resource exists, in the order of `locked`, with the
    /// resources' adapter statuses read in one statement.
    func states(_ type: WatchedType, _ locked: [LockedRecord], on connection: PostgresConnection) async throws -> [(LockedRecord, ResourceState)] {
        let present = locked.filter { $0.resource != nil }
        guard !present.isEmpty else { return [] }
        let required = try await connection.query(
            "SELECT adapter FROM hyperfleet_required_adapters WHERE resource_type = $1 ORDER BY adapter", [type.rawValue]
        ).map { try PositionalRow($0).text(0) }
        let reports = try await adapterReports(type, ids: present.map(\.id), on: connection)
        return present.compactMap { item in
            guard var snapshot = item.resource else { return nil }
            let mine = reports[item.id] ?? []
            snapshot.requiredAdapters = required.map { adapter in
                // First row wins, as before, should an adapter ever appear twice.
                let report = mine.first { $0.adapter == adapter }
                return AdapterProgress(
                    adapter: adapter, observedGeneration: report?.generation, available: report?.available, finalized: report?.finalized)
            }
            snapshot.newestReportTime = mine.lazy.map(\.reported).max().map(Instant.init(microseconds:))
            snapshot.anyAdapterReported = !mine.isEmpty
            return (item, ResourceState(snapshot: snapshot, clusterID: item.clusterID, record: item.record, dueAt: item.dueAt))
        }
    }

    /// Every adapter status of `ids` (not only the required adapters': the newest report counts any).
    /// `available_status`/`finalized_status` are stored with each report (migration 4), and the index
    /// carries every column read here, so this is an index-only scan that never opens `conditions`.
    private func adapterReports(_ type: WatchedType, ids: [String], on connection: PostgresConnection) async throws -> [String: [AdapterReport]] {
        let rows = try await connection.query(
            """
            SELECT \(type.statusKey), adapter, observed_generation, \(Self.micros("last_report_time")), available_status, finalized_status
            FROM \(type.statusTable) WHERE \(type.statusKey) = ANY($1::text[])
            """, [SQLArray.literal(ids)])
        var reports: [String: [AdapterReport]] = [:]
        reports.reserveCapacity(ids.count)
        for row in rows {
            let columns = PositionalRow(row)
            reports[try columns.text(0), default: []].append(AdapterReport(
                adapter: try columns.text(1), generation: try columns.int(2), reported: try columns.int(3),
                available: row[4], finalized: row[5]))
        }
        return reports
    }
}
