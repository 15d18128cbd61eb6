import Postgres
import SentinelCore
import HyperFleetModel

/// A record row this transaction holds the lock of, read by the statement that locked it, with its
/// resource's row (nil when the resource is gone).
struct LockedRecord: Sendable {
    var id: String
    /// The row's `ctid`: stable while this transaction holds the lock and has not written the row,
    /// so the look's write finds the row without an index lookup.
    var tid: String
    var record: PublishRecord?
    /// `next_due_at` as stored before this look (for publish lag).
    var dueAt: Timestamp?
    var resource: ResourceObservation?
    var clusterID: String?
}

extension SentinelStore {
    /// Locks the records of `ids` that no other replica holds (row lock or live claim); returns them.
    func lockRecords(_ type: WatchedType, ids: [String], now: Timestamp, on connection: PostgresConnection) async throws -> [LockedRecord] {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            Self.lockedWithResources(type, locking: """
                SELECT \(Self.recordColumns) FROM sentinel_records s
                WHERE s.resource_type = $1 AND s.resource_id = ANY($2::text[])
                  AND (s.claimed_by IS NULL OR s.claim_expires_at < $3::timestamptz)
                FOR UPDATE OF s SKIP LOCKED
                """),
            [type.rawValue, SQLArray.literal(ids), now.rfc3339])
        return try Self.lockedRecords(rows, type)
    }

    /// Due records no other replica holds, oldest first, locked.
    func lockDue(_ type: WatchedType, now: Timestamp, limit: Int, selector: String?, on connection: PostgresConnection) async throws -> [LockedRecord] {
        var parameters: [String?] = [type.rawValue, now.rfc3339]
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
        return try Self.lockedRecords(rows, type)
    }

    // MARK: One statement: lock the records, return them joined with their resources

    /// The record columns the locking `SELECT` returns, named as `LockedRecordColumns` reads them.
    static let recordColumns = """
        s.resource_id, s.ctid AS tid, s.published_generation, \(micros("s.published_at")) AS published, s.published_reason,
            s.attempts, s.progress_mark, s.next_due_at, \(micros("s.next_due_at")) AS due, s.served_request_seq
        """

    /// Wraps a locking `SELECT` of `recordColumns` so that the same statement also returns each
    /// record's resource row and the operator's controls (request_seq, paused): one round trip and one
    /// index lookup fewer per row than reading them apart.
    static func lockedWithResources(_ type: WatchedType, locking: String, orderedByDue: Bool = false) -> String {
        """
        WITH locked AS MATERIALIZED (
            \(locking)
        )
        SELECT l.resource_id, l.tid::text AS tid, l.published_generation, l.published, l.published_reason, l.attempts,
            l.progress_mark, l.due, l.served_request_seq, coalesce(c.request_seq, 0) AS request_seq,
            coalesce(c.paused, false) AS paused, r.id AS resource_row_id, r.generation, \(micros("r.created_time")) AS created,
            \(micros("r.deleted_time")) AS deleted, r.status_phase, \(micros("r.status_last_transition_time")) AS last_transition,
            \(micros("r.status_last_updated_time")) AS last_updated\(type == .nodepools ? ", r.cluster_id" : "")
        FROM locked l LEFT JOIN \(type.rawValue) r ON r.id = l.resource_id
        LEFT JOIN hyperfleet_reconcile_controls c ON c.resource_type = '\(type.rawValue)' AND c.resource_id = l.resource_id\(orderedByDue ? "\nORDER BY l.next_due_at" : "")
        """
    }

    /// Decodes the rows of `lockedWithResources`.
    static func lockedRecords(_ result: PostgresResult, _ type: WatchedType) throws -> [LockedRecord] {
        guard !result.isEmpty else { return [] }
        let columns = try LockedRecordColumns(result, type)
        return try result.map { try columns.decode($0) }
    }
}

/// The columns of `lockedWithResources`, each looked up by name once per result (the look decodes
/// thousands of rows, so no name lookup per value).
private struct LockedRecordColumns {
    let type: WatchedType
    let id, tid, publishedGeneration, published, publishedReason, attempts, progressMark, due, servedRequestSeq: PostgresColumn
    let requestSeq, paused: PostgresColumn
    let resourceRowID, generation, created, deleted, phase, lastTransition, lastUpdated: PostgresColumn
    /// Nodepools only.
    let clusterID: PostgresColumn?

    init(_ result: PostgresResult, _ type: WatchedType) throws {
        self.type = type
        id = try result.column("resource_id")
        tid = try result.column("tid")
        publishedGeneration = try result.column("published_generation")
        published = try result.column("published")
        publishedReason = try result.column("published_reason")
        attempts = try result.column("attempts")
        progressMark = try result.column("progress_mark")
        due = try result.column("due")
        servedRequestSeq = try result.column("served_request_seq")
        requestSeq = try result.column("request_seq")
        paused = try result.column("paused")
        resourceRowID = try result.column("resource_row_id")
        generation = try result.column("generation")
        created = try result.column("created")
        deleted = try result.column("deleted")
        phase = try result.column("status_phase")
        lastTransition = try result.column("last_transition")
        lastUpdated = try result.column("last_updated")
        clusterID = type == .nodepools ? try result.column("cluster_id") : nil
    }

    func decode(_ row: PostgresRow) throws -> LockedRecord {
        let resourceID = try row.text(id)
        var record: PublishRecord?
        if let generationPublished = try row.optionalInt(publishedGeneration), let publishedAt = try row.optionalInt(published),
            let reason = row[publishedReason].flatMap(Reason.init(rawValue:))
        {
            record = PublishRecord(
                publishedGeneration: generationPublished, publishedAt: Timestamp(microsecondsSinceEpoch: publishedAt), publishedReason: reason,
                attempts: Int(try row.int(attempts)), progressMark: try row.text(progressMark),
                servedRequestSeq: try row.int(servedRequestSeq))
        }
        var resource: ResourceObservation?
        if row[resourceRowID] != nil {
            resource = ResourceObservation(
                id: resourceID, kind: type.kind, generation: try row.int(generation),
                createdTime: Timestamp(microsecondsSinceEpoch: try row.int(created)),
                deletedTime: try row.optionalInt(deleted).map(Timestamp.init(microsecondsSinceEpoch:)),
                phase: Phase(rawValue: try row.text(phase)) ?? .notReady,
                lastTransitionTime: Timestamp(microsecondsSinceEpoch: try row.int(lastTransition)),
                lastUpdatedTime: Timestamp(microsecondsSinceEpoch: try row.int(lastUpdated)),
                requestSeq: try row.int(requestSeq), paused: row[paused] == "t")
        }
        return LockedRecord(
            id: resourceID, tid: try row.text(tid), record: record,
            dueAt: try row.optionalInt(due).map(Timestamp.init(microsecondsSinceEpoch:)),
            resource: resource, clusterID: clusterID.flatMap { row[$0] })
    }
}
