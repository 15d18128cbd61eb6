import Postgres
@testable import Sentinel
import SentinelCore
import Testing

/// The look's claim write (`SentinelStore.writeLocked`): what it stores in `next_due_at`.
@Suite("Sentinel: claim write")
struct ClaimWriteTests {
    private func record(_ h: SentinelHarness, _ id: String) async throws -> (due: Int64?, claimedBy: String?) {
        let row = try await h.pool.query(
            "SELECT \(SentinelStore.micros("next_due_at")) AS due, claimed_by FROM sentinel_records WHERE resource_type = 'clusters' AND resource_id = $1",
            [id]
        ).first
        return (try row?.optionalInt("due"), row?["claimed_by"])
    }

    /// A new resource (no `next_due_at` yet) is claimed with `next_due_at = now`; a record that is
    /// already due keeps its `next_due_at` (HOT update), and is due again once the claim expires.
    @Test func claimKeepsAnAlreadyDueTimeAndSetsAMissingOne() async throws {
        try await SentinelHarness.run { h in
            let cluster = try await h.createCluster("claim-write")
            let engine = h.engine(replica: "claimer")
            let now = h.clock.now()
            let (first, _) = try await engine.plan(.clusters)
            #expect(first.count == 1)
            var stored = try await record(h, cluster.id)
            #expect(stored.due == now.microsecondsSinceEpoch)
            #expect(stored.claimedBy == "claimer")

            let earlier = now - .seconds(90)
            _ = try await h.pool.query(
                """
                UPDATE sentinel_records SET next_due_at = $2::timestamptz, claimed_by = NULL, claim_expires_at = NULL
                WHERE resource_type = 'clusters' AND resource_id = $1
                """, [cluster.id, earlier.rfc3339])
            let (second, result) = try await engine.plan(.clusters)
            #expect(result.due == 1)
            #expect(second.count == 1)
            stored = try await record(h, cluster.id)
            #expect(stored.due == earlier.microsecondsSinceEpoch)
            #expect(stored.claimedBy == "claimer")

            // Held while the claim lives; due again (to another replica) after it expires.
            let (held, _) = try await h.engine(replica: "other").plan(.clusters)
            #expect(held.isEmpty)
            h.clock.advance(by: h.settings.claimLease + .seconds(1))
            let (taken, _) = try await h.engine(replica: "other").plan(.clusters)
            #expect(taken.count == 1)
            #expect(try await record(h, cluster.id).claimedBy == "other")
        }
    }
}
