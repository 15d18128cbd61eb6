import Postgres
import SentinelCore
import HyperFleetModel

extension SentinelStore {
    /// What a look writes to a record it holds locked: the decision's bookkeeping and the claim.
    /// The published_* columns are left alone: a look never changes them (only a publish does).
    struct LockedWrite: Sendable {
        var locked: LockedRecord
        var attempts: Int
        var progressMark: String
        var nextDueAt: Timestamp?
        /// The rule due at `nextDueAt`; for a claimed publish, the reason being published.
        var nextReason: Reason?
        /// Set while a publish is in flight.
        var claimedBy: String?
        var claimExpiresAt: Timestamp?
    }

    /// Writes the look's decisions to the rows it locked, in one UPDATE that finds each row by its
    /// `ctid` (no index lookup, no speculative insert: measured in benchmarks/SENTINEL-RESULTS.md).
    /// The id check guards against a stale ctid; a mismatch fails the look's transaction.
    ///
    /// `next_reason` and `decided_at` (= `now`) are for the reconciliation view; no index covers them.
    ///
    /// A claim keeps a `next_due_at` that is already due (the row is due again when the claim
    /// expires either way): with no indexed column changed, the update is HOT (no index entries, and
    /// room on the page thanks to the table's fillfactor, migration 4), about 3x cheaper.
    func writeLocked(_ type: WatchedType, _ writes: [LockedWrite], now: Timestamp, on connection: PostgresConnection) async throws {
        guard !writes.isEmpty else { return }
        let result = try await connection.query(
            """
            UPDATE sentinel_records AS s SET attempts = w.attempts, progress_mark = w.mark,
                next_due_at = CASE WHEN w.claimed_by IS NOT NULL AND s.next_due_at <= w.due THEN s.next_due_at ELSE w.due END,
                claimed_by = w.claimed_by, claim_expires_at = w.claim_expires, next_reason = w.next_reason,
                decided_at = $10::timestamptz
            FROM unnest($2::tid[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[], $9::text[])
                AS w(tid, id, attempts, mark, due, claimed_by, claim_expires, next_reason)
            WHERE s.ctid = w.tid AND s.resource_type = $1 AND s.resource_id = w.id
            """,
            [
                type.rawValue,
                SQLArray.literal(writes.map(\.locked.tid)),
                SQLArray.literal(writes.map(\.locked.id)),
                SQLArray.literal(writes.map { String($0.attempts) }),
                SQLArray.literal(writes.map(\.progressMark)),
                SQLArray.literal(writes.map { $0.nextDueAt?.rfc3339 }),
                SQLArray.literal(writes.map(\.claimedBy)),
                SQLArray.literal(writes.map { $0.claimExpiresAt?.rfc3339 }),
                SQLArray.literal(writes.map { $0.nextReason?.rawValue }),
                now.rfc3339,
            ])
        guard result.affectedRows == writes.count else {
            throw PostgresError(
                kind: .server, message: "sentinel: wrote \(result.affectedRows) of \(writes.count) locked records (a row moved under its lock)")
        }
    }
}
