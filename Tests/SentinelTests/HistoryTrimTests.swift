import Foundation
import HyperFleetModel
import HyperFleetTestSupport
import Postgres
@testable import Sentinel
import SentinelCore
import Testing

/// The reconcile history stays bounded: the newest 100 entries per resource, none older than the retention.
@Suite("Sentinel: history trim")
struct HistoryTrimTests {
    /// 150 requests and their 150 events on one resource (300 entries), a second resource with a few
    /// entries, and old entries past the retention: after the trim (in small batches, so that every
    /// step is bounded and the loop has to take many of them) each resource keeps its newest 100 at
    /// most and nothing older than the retention.
    @Test func keepsTheNewestHundredPerResourceAndNothingPastTheRetention() async throws {
        try await SentinelHarness.run(configure: { settings in
            settings.decisions.notReadyBackoffBase = .seconds(3600)
            settings.decisions.notReadyBackoffMax = .seconds(3600)
            settings.historyRetention = .seconds(3600)
        }) { h in
            _ = TestMetrics.registry  // bootstrapped before the engine takes the factory
            let engine = h.engine()
            let busy = try await h.createCluster("busy")
            let quiet = try await h.createCluster("quiet")
            try await h.drain(engine)
            for _ in 0..<150 {
                try await h.requestReconcile(busy.id)
                try await h.drain(engine)
            }
            try await h.events.waitFor(152, within: .seconds(30))
            #expect(try await h.history(busy.id).count == 301)
            #expect(try await h.history(busy.id).filter { $0["action"] == "event" }.count == 151)
            // Entries of the quiet cluster past the retention (as if written two hours ago), and one just within it.
            let now = h.clock.now()
            for age in [7200, 7300, 3000] {
                _ = try await h.pool.query(
                    """
                    INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor)
                    VALUES ('clusters', $1, $2::timestamptz, 'pause', 'old', 'ops@example.com')
                    """, [quiet.id, (now - .seconds(age)).rfc3339])
            }
            let newest = try await h.history(busy.id).prefix(100).map { try $0.int("seq") }

            let trimmedBefore = TestMetrics.value("hyperfleet_sentinel_history_trimmed_total") ?? 0
            let result = try await HistoryTrimmer(engine: engine, batchSize: 7).trim(maxSteps: 1000)
            #expect(result.ran)
            #expect(result.aged == 2)
            #expect(result.counted == 201)
            // No other test trims anything, so the shared counter moved by this pass alone.
            #expect(TestMetrics.value("hyperfleet_sentinel_history_trimmed_total") == trimmedBefore + 203)
            let kept = try await h.history(busy.id).map { try $0.int("seq") }
            #expect(kept == newest, "the newest 100 entries are kept")
            let quietKept = try await h.history(quiet.id)
            #expect(quietKept.count == 2, "the created event and the entry within the retention")
            #expect(quietKept.filter { $0["reason"] == "old" }.count == 1)
            let oldest = try await h.pool.query(
                "SELECT count(*) AS n FROM hyperfleet_reconcile_history WHERE at < $1::timestamptz", [(now - .seconds(3600)).rfc3339])
            #expect(try oldest.first?.int("n") == 0)
            let watermark = try await h.pool.query("SELECT trimmed_seq FROM sentinel_history_trim")
            let maxSeq = try await h.pool.query("SELECT max(seq) AS m FROM hyperfleet_reconcile_history")
            #expect(try watermark.first?.int("trimmed_seq") == maxSeq.first?.int("m"))

            // Nothing new: a pass deletes nothing. New entries move the watermark on without deleting
            // anything until a resource goes over 100 again.
            #expect(try await HistoryTrimmer(engine: engine).trim() == HistoryTrimResult(aged: 0, counted: 0, ran: true))
            try await h.requestReconcile(busy.id)
            try await h.drain(engine)
            let again = try await HistoryTrimmer(engine: engine).trim()
            #expect(again.counted == 2)
            #expect(try await h.history(busy.id).count == 100)
        }
    }

    /// One replica trims at a time: while another holds the trim row, a pass leaves the work to it.
    @Test func oneReplicaTrimsAtATime() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            try await h.pool.withConnection { holder in
                try await holder.execute("BEGIN")
                _ = try await holder.query("SELECT trimmed_seq FROM sentinel_history_trim FOR UPDATE")
                let result = try await HistoryTrimmer(engine: engine).trim()
                #expect(!result.ran)
                try await holder.execute("ROLLBACK")
            }
            #expect(try await HistoryTrimmer(engine: engine).trim().ran)
        }
    }
}
