import Postgres
import SentinelCore
import HyperFleetModel

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
        let required = try await requiredAdapters(type, on: connection)
        let reports = try await adapterReports(type, ids: present.map(\.id), on: connection)
        return zip(present, reports).compactMap { item, mine in
            guard var snapshot = item.resource else { return nil }
            snapshot.requiredAdapters = required.map { adapter in
                // First row wins, as before, should an adapter ever appear twice.
                let report = mine.first { $0.adapter == adapter }
                return AdapterProgress(
                    adapter: adapter, observedGeneration: report?.generation, available: report?.available, finalized: report?.finalized)
            }
            snapshot.newestReportTime = mine.lazy.map(\.reported).max().map(Timestamp.init(microsecondsSinceEpoch:))
            snapshot.anyAdapterReported = !mine.isEmpty
            return (item, ResourceState(observation: snapshot, clusterID: item.clusterID, record: item.record, dueAt: item.dueAt))
        }
    }

    /// Every adapter status of `ids` (not only the required adapters': the newest report counts any),
    /// as one list per id, in the order of `ids`. `available_status`/`finalized_status` are stored with
    /// each report (migration 4), and the index carries every column read here, so this is an
    /// index-only scan that never opens `conditions`. Rows name their resource by its position in
    /// `ids` rather than by id: no 32-character string and no hashing per row.
    private func adapterReports(_ type: WatchedType, ids: [String], on connection: PostgresConnection) async throws -> [[AdapterReport]] {
        let rows = try await connection.query(
            """
            SELECT t.ord, s.adapter, s.observed_generation, \(Self.micros("s.last_report_time")) AS reported, s.available_status,
                s.finalized_status
            FROM unnest($1::text[]) WITH ORDINALITY AS t(id, ord)
            JOIN \(type.statusTable) s ON s.\(type.statusKey) = t.id
            """, [SQLArray.literal(ids)])
        var reports = [[AdapterReport]](repeating: [], count: ids.count)
        guard !rows.isEmpty else { return reports }
        // Looked up by name once for all rows.
        let ord = try rows.column("ord"), adapter = try rows.column("adapter"), generation = try rows.column("observed_generation")
        let reported = try rows.column("reported"), available = try rows.column("available_status")
        let finalized = try rows.column("finalized_status")
        for row in rows {
            let position = Int(try row.int(ord)) - 1
            guard reports.indices.contains(position) else {
                throw PostgresError(kind: .decoding, message: "adapter status row for position \(position + 1) of \(ids.count)")
            }
            reports[position].append(AdapterReport(
                adapter: try row.text(adapter), generation: try row.int(generation), reported: try row.int(reported),
                available: row[available], finalized: row[finalized]))
        }
        return reports
    }
}
