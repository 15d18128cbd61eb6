import Postgres
import SentinelCore

/// A record row this transaction holds the lock of, read by the statement that locked it, with its
/// resource's row (nil when the resource is gone).
struct LockedRecord: Sendable {
    var id: String
    /// The row's `ctid`: stable while this transaction holds the lock and has not written the row,
    /// so the look's write finds the row without an index lookup.
    var tid: String
    var record: PublishRecord?
    /// `next_due_at` as stored before this look (for publish lag).
    var dueAt: Instant?
    var resource: ResourceSnapshot?
    var clusterID: String?
}

extension SentinelStore {
    /// Locks the records of `ids` that no other replica holds (row lock or live claim); returns them.
    func lockRecords(_ type: WatchedType, ids: [String], now: Instant, on connection: PostgresConnection) async throws -> [LockedRecord] {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            Self.lockedWithResources(type, locking: """
                SELECT \(Self.recordColumns) FROM sentinel_records s
                WHERE s.resource_type = $1 AND s.resource_id = ANY($2::text[])
                  AND (s.claimed_by IS NULL OR s.claim_expires_at < $3::timestamptz)
                FOR UPDATE OF s SKIP LOCKED
                """),
            [type.rawValue, SQLArray.literal(ids), now.sqlText])
        return try rows.map { try Self.lockedRecord($0, type) }
    }

    /// Due records no other replica holds, oldest first, locked.
    func lockDue(_ type: WatchedType, now: Instant, limit: Int, selector: String?, on connection: PostgresConnection) async throws -> [LockedRecord] {
        var parameters: [String?] = [type.rawValue, now.sqlText]
        var selectorClause = ""
        if let selector {
            parameters.append(selector)
            selectorClause = " AND EXISTS (SELECT 1 FROM \(type.rawValue) r WHERE r.id = s.resource_id AND r.labels @> $3::jsonb)"
        }
        let rows = try await connection.query(
            Self.lockedWithResources(type, locking: """
                SELECT \(Self.recordColumns) FROM sentinel_records s
                WHERE s.resource_type = $1 AND s.next_due_at <= $2::timestamptz
                  AND (s.claimed_by IS NULL OR s.claim_expires_at < $2::timestamptz)\(selectorClause)
                ORDER BY s.next_due_at LIMIT \(limit)
                FOR UPDATE OF s SKIP LOCKED
                """, orderedByDue: true),
            parameters)
        return try rows.map { try Self.lockedRecord($0, type) }
    }

    // MARK: One statement: lock the records, return them joined with their resources

    /// The record columns, in the positions `lockedRecord` reads.
    static let recordColumns = """
        s.resource_id, s.ctid AS tid, s.published_generation, \(micros("s.published_at")) AS published, s.published_reason,
            s.attempts, s.progress_mark, s.next_due_at, \(micros("s.next_due_at")) AS due
        """

    /// Wraps a locking `SELECT` of `recordColumns` so that the same statement also returns each
    /// record's resource row: one round trip and one index lookup fewer per row than reading them apart.
    static func lockedWithResources(_ type: WatchedType, locking: String, orderedByDue: Bool = false) -> String {
        """
        WITH locked AS MATERIALIZED (
            \(locking)
        )
        SELECT l.resource_id, l.tid::text, l.published_generation, l.published, l.published_reason, l.attempts, l.progress_mark,
            l.due, r.id, r.generation, \(micros("r.created_time")), \(micros("r.deleted_time")), r.status_phase,
            \(micros("r.status_last_transition_time")), \(micros("r.status_last_updated_time"))\(type == .nodepools ? ", r.cluster_id" : "")
        FROM locked l LEFT JOIN \(type.rawValue) r ON r.id = l.resource_id\(orderedByDue ? "\nORDER BY l.next_due_at" : "")
        """
    }

    /// Decodes a row of `lockedWithResources` by position (no per-row name lookups).
    static func lockedRecord(_ row: PostgresRow, _ type: WatchedType) throws -> LockedRecord {
        let columns = PositionalRow(row)
        let id = try columns.text(0)
        var record: PublishRecord?
        if let generation = try columns.optionalInt(2), let published = try columns.optionalInt(3),
            let reason = row[4].flatMap(Reason.init(rawValue:))
        {
            record = PublishRecord(
                publishedGeneration: generation, publishedAt: Instant(microseconds: published), publishedReason: reason,
                attempts: Int(try columns.int(5)), progressMark: try columns.text(6))
        }
        var resource: ResourceSnapshot?
        if row[8] != nil {
            let created = Instant(microseconds: try columns.int(10))
            resource = ResourceSnapshot(
                id: id, kind: type.kind, generation: try columns.int(9), createdTime: created,
                deletedTime: try columns.optionalInt(11).map(Instant.init(microseconds:)),
                phase: Phase(rawValue: try columns.text(12)) ?? .notReady,
                lastTransitionTime: Instant(microseconds: try columns.int(13)),
                lastUpdatedTime: Instant(microseconds: try columns.int(14)))
        }
        return LockedRecord(
            id: id, tid: try columns.text(1), record: record, dueAt: try columns.optionalInt(7).map(Instant.init(microseconds:)),
            resource: resource, clusterID: type == .nodepools ? row[15] : nil)
    }
}
