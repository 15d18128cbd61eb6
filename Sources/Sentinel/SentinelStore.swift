import HyperFleetModel
import HyperFleetTracing
import Postgres
import SentinelCore

/// The resource types the Sentinel watches, with their tables.
public enum WatchedType: String, Sendable, CaseIterable {
    case clusters
    case nodepools

    var kind: ResourceKind { self == .clusters ? .cluster : .nodepool }
    var statusTable: String { self == .clusters ? "cluster_statuses" : "nodepool_statuses" }
    var statusKey: String { self == .clusters ? "cluster_id" : "nodepool_id" }
}

/// A resource's row plus what the Sentinel needs of its adapter statuses and its own record.
struct ResourceState: Sendable {
    var observation: ResourceObservation
    var clusterID: String?
    var record: PublishRecord?
    /// `next_due_at` as stored before this look (for publish lag).
    var dueAt: Timestamp?
}

/// Every SQL statement of the Sentinel. Times are read as epoch microseconds and written as RFC 3339.
struct SentinelStore: Sendable {
    let pool: PostgresPool

    static func micros(_ column: String) -> String {
        "floor(extract(epoch FROM \(column)) * 1000000)::bigint"
    }

    // MARK: The look, step by step (all on one connection inside one transaction)

    /// The change rows one look took.
    struct TakenChanges: Sendable {
        /// The distinct resource ids, in the order their rows came back.
        var ids: [String] = []
        /// How many change rows were taken (deleted).
        var rows = 0
        /// Per resource, the trace context of its newest change row that has one (migration 9); filled
        /// only when asked for (tracing on).
        var traceContexts: [String: TraceHeaders] = [:]
    }

    /// Takes up to `limit` change rows (skipping rows another replica holds), deletes them, and returns
    /// the distinct resource ids; with `traceContexts`, also each resource's newest stored trace context.
    /// Untraced, the statement returns the ids only (no extra columns per row).
    func takeChanges(_ type: WatchedType, limit: Int, traceContexts: Bool = false, on connection: PostgresConnection) async throws -> TakenChanges {
        let rows = try await connection.query(
            """
            DELETE FROM sentinel_changes WHERE seq IN (
                SELECT seq FROM sentinel_changes WHERE resource_type = $1 ORDER BY seq LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING resource_id\(traceContexts ? ", seq, traceparent, tracestate" : "")
            """, [type.rawValue])
        var taken = TakenChanges(rows: rows.count)
        var seen = Set<String>()
        for row in rows {
            let id = try row.text("resource_id")
            if seen.insert(id).inserted { taken.ids.append(id) }
        }
        guard traceContexts else { return taken }
        // RETURNING follows no order: keep the context of the highest seq per resource.
        var newest: [String: Int64] = [:]
        for row in rows {
            guard let traceparent = row["traceparent"] else { continue }
            let id = try row.text("resource_id")
            let seq = try row.int("seq")
            if let seen = newest[id], seen > seq { continue }
            newest[id] = seq
            taken.traceContexts[id] = TraceHeaders(traceparent: traceparent, tracestate: row["tracestate"])
        }
        return taken
    }

    /// Makes sure every existing resource among `ids` has a record row to lock.
    func ensureRecords(_ type: WatchedType, ids: [String], on connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        _ = try await connection.query(
            """
            INSERT INTO sentinel_records (resource_type, resource_id)
            SELECT $1, r.id FROM \(type.rawValue) r WHERE r.id = ANY($2::text[])
            ON CONFLICT DO NOTHING
            """, [type.rawValue, SQLArray.literal(ids)])
    }

    /// Puts change rows back for resources that could not be handled now (held by another replica),
    /// with the trace context each had (written explicitly: the columns' defaults would read this
    /// transaction's settings, which the Sentinel never sets).
    func requeue(
        _ type: WatchedType, ids: [String], traceContexts: [String: TraceHeaders] = [:], on connection: PostgresConnection
    ) async throws {
        guard !ids.isEmpty else { return }
        _ = try await connection.query(
            """
            INSERT INTO sentinel_changes (resource_type, resource_id, traceparent, tracestate)
            SELECT $1, c.id, c.traceparent, c.tracestate FROM unnest($2::text[], $3::text[], $4::text[]) AS c(id, traceparent, tracestate)
            """,
            [
                type.rawValue, SQLArray.literal(ids), SQLArray.literal(ids.map { traceContexts[$0]?.traceparent }),
                SQLArray.literal(ids.map { traceContexts[$0]?.tracestate }),
            ])
    }

    /// Which of `ids` match the label selector (all of them when there is none).
    func matching(_ type: WatchedType, ids: [String], selector: String?, on connection: PostgresConnection) async throws -> Set<String> {
        guard let selector, !ids.isEmpty else { return Set(ids) }
        let rows = try await connection.query(
            "SELECT id FROM \(type.rawValue) WHERE id = ANY($1::text[]) AND labels @> $2::jsonb",
            [SQLArray.literal(ids), selector])
        return Set(try rows.map { try $0.text("id") })
    }

    /// One row of a batched record write: an acknowledged publish.
    struct RecordWrite: Sendable {
        var id: String
        var record: PublishRecord
        var nextDueAt: Timestamp?
        /// The rule due at `nextDueAt`.
        var nextReason: Reason?
        /// The published CloudEvent's id (`last_event_id`, and the history entry's `event_id`).
        var eventID: String
    }

    /// Records acknowledged publishes in one statement: each record (claim released, the request
    /// sequence it served, the event id, the next decision) and one `event` history entry per publish
    /// for resources that still exist. The resource rows are not locked (`FOR KEY SHARE` dirtied every
    /// resource row and cost about a tenth of the throughput benchmark): an entry written while the
    /// resource's hard DELETE commits can outlive it, unseen (reads go through the resource), until the
    /// retention trims it.
    /// One statement, so atomic on its own (no transaction block, one round trip).
    func write(_ type: WatchedType, _ writes: [RecordWrite], actor: String, at decidedAt: Timestamp) async throws {
        guard !writes.isEmpty else { return }
        _ = try await pool.query(
            """
            WITH w AS MATERIALIZED (
                SELECT * FROM unnest($2::text[], $3::bigint[], $4::timestamptz[], $5::text[], $6::int[], $7::text[], $8::timestamptz[],
                                     $9::bigint[], $10::text[], $11::text[])
                    AS w(id, generation, published, reason, attempts, mark, due, served, event_id, next_reason)
            ), recorded AS (
                INSERT INTO sentinel_records AS s (resource_type, resource_id, published_generation, published_at, published_reason,
                    attempts, progress_mark, next_due_at, claimed_by, claim_expires_at, served_request_seq, last_event_id, next_reason,
                    decided_at)
                SELECT $1, w.id, w.generation, w.published, w.reason, w.attempts, w.mark, w.due, NULL, NULL, w.served, w.event_id,
                    w.next_reason, $13::timestamptz
                FROM w
                ON CONFLICT (resource_type, resource_id) DO UPDATE SET
                    published_generation = EXCLUDED.published_generation, published_at = EXCLUDED.published_at,
                    published_reason = EXCLUDED.published_reason, attempts = EXCLUDED.attempts,
                    progress_mark = EXCLUDED.progress_mark, next_due_at = EXCLUDED.next_due_at,
                    claimed_by = NULL, claim_expires_at = NULL, served_request_seq = EXCLUDED.served_request_seq,
                    last_event_id = EXCLUDED.last_event_id, next_reason = EXCLUDED.next_reason, decided_at = EXCLUDED.decided_at
            )
            INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor, event_id, generation)
            SELECT $1, w.id, w.published, 'event', w.reason, $12, w.event_id, w.generation
            FROM w
            WHERE w.id IN (SELECT r.id FROM \(type.rawValue) r WHERE r.id = ANY($2::text[]))
            """,
            [
                type.rawValue,
                SQLArray.literal(writes.map(\.id)),
                SQLArray.literal(writes.map { String($0.record.publishedGeneration) }),
                SQLArray.literal(writes.map { $0.record.publishedAt.rfc3339 }),
                SQLArray.literal(writes.map { $0.record.publishedReason.rawValue }),
                SQLArray.literal(writes.map { String($0.record.attempts) }),
                SQLArray.literal(writes.map(\.record.progressMark)),
                SQLArray.literal(writes.map { $0.nextDueAt?.rfc3339 }),
                SQLArray.literal(writes.map { String($0.record.servedRequestSeq) }),
                SQLArray.literal(writes.map(\.eventID)),
                SQLArray.literal(writes.map { $0.nextReason?.rawValue }),
                actor,
                decidedAt.rfc3339,
            ])
    }

    /// Records for resources that no longer exist.
    func deleteRecords(_ type: WatchedType, ids: [String], on connection: PostgresConnection) async throws {
        guard !ids.isEmpty else { return }
        _ = try await connection.query(
            "DELETE FROM sentinel_records WHERE resource_type = $1 AND resource_id = ANY($2::text[])",
            [type.rawValue, SQLArray.literal(ids)])
    }

    /// Releases claims this replica holds (at shutdown, or after failed publishes), making them due at `dueAt`.
    func releaseClaims(_ type: WatchedType, ids: [String], owner: String, dueAt: Timestamp) async throws {
        guard !ids.isEmpty else { return }
        _ = try await pool.query(
            """
            UPDATE sentinel_records SET claimed_by = NULL, claim_expires_at = NULL, next_due_at = $4::timestamptz
            WHERE resource_type = $1 AND resource_id = ANY($2::text[]) AND claimed_by = $3
            """, [type.rawValue, SQLArray.literal(ids), owner, dueAt.rfc3339])
    }
}
