import Foundation
import HyperFleetModel
import HyperFleetStore
import HyperFleetTestSupport
import Kafka
import Postgres
@testable import Sentinel
import SentinelCore
import ServiceLifecycle
import Testing

/// Reconcile-now and pause through the controls table, as the API writes it, to a real consumer.
@Suite("Sentinel: reconcile-now and pause")
struct ReconcileControlTests {
    /// A request publishes one `requested` event at once although an hour-long backoff runs; three
    /// requests before a look give one event; the record and the history say which event served them.
    @Test func reconcileNowPublishesOnceDuringALongBackoff() async throws {
        try await SentinelHarness.run(configure: { settings in
            settings.decisions.notReadyBackoffBase = .seconds(3600)
            settings.decisions.notReadyBackoffMax = .seconds(3600)
        }) { h in
            let engine = h.engine(replica: "replica-now")
            let cluster = try await h.createCluster("now")
            try await h.drain(engine)
            try await h.events.waitFor(1)
            h.clock.advance(by: .seconds(60))
            try await h.drain(engine)
            #expect(try await h.events.settle() == 1, "the backoff holds the next event for an hour")

            try await h.requestReconcile(cluster.id, reason: "dns fixed")
            try await h.drain(engine)
            let events = try await h.events.waitFor(2)
            let event = try #require(events.last)
            #expect(event.reason == "requested")
            #expect(event.data?.at("reason") == .string("requested"))
            #expect(event.data?.at("deleted") == nil)
            #expect(event.keyString == cluster.id)
            let eventID = try #require(event.header("ce_id"))

            let record = try #require(try await h.record(cluster.id))
            #expect(try record.int("served_request_seq") == 1)
            #expect(record["last_event_id"] == eventID)
            #expect(record["published_reason"] == "requested")
            #expect(record["next_reason"] == "not_ready_backoff")
            #expect(try record.int("attempts") == 2, "created and requested both count as attempts")
            #expect(record["decided_at"] != nil)
            #expect(record["claimed_by"] == nil)

            let history = try await h.history(cluster.id)
            // Newest first: the requested event, the request (trigger), the created event.
            #expect(history.map { $0["action"] } == ["event", "reconcile", "event"])
            #expect(history.first?["event_id"] == eventID)
            #expect(history.first?["reason"] == "requested")
            #expect(history.first?["actor"] == "replica-now")
            #expect(try history.first?.int("generation") == 1)
            #expect(history[1]["reason"] == "dns fixed")
            #expect(history[1]["actor"] == "ops@example.com")
            #expect(history.last?["reason"] == "created")
            #expect(history.last?["event_id"] == events.first?.header("ce_id"))

            // Served: nothing more.
            try await h.drain(engine)
            #expect(try await h.events.settle() == 2)

            // Three requests before the next look: one event.
            for _ in 0..<3 { try await h.requestReconcile(cluster.id) }
            try await h.drain(engine)
            let after = try await h.events.waitFor(3)
            #expect(after.last?.reason == "requested")
            try await h.drain(engine)
            #expect(try await h.events.settle() == 3)
            #expect(try await h.record(cluster.id)?.int("served_request_seq") == 4)
            #expect(try await h.history(cluster.id).filter { $0["action"] == "event" }.count == 3)
        }
    }

    /// A request that arrives while the resource's publish is in flight is served by a later event:
    /// the in-flight one was decided on a snapshot that did not see it.
    @Test func requestDuringAnInFlightPublishGetsItsOwnEvent() async throws {
        try await SentinelHarness.run(configure: { settings in
            settings.decisions.notReadyBackoffBase = .seconds(3600)
            settings.decisions.notReadyBackoffMax = .seconds(3600)
        }) { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("in-flight")
            let (pending, _) = try await engine.plan(.clusters)
            #expect(pending.count == 1)
            try await h.requestReconcile(cluster.id)
            // The change row finds the record claimed: put back for after the record.
            _ = try await engine.plan(.clusters)
            _ = try await engine.publish(.clusters, pending)
            try await h.drain(engine)
            let events = try await h.events.waitFor(2)
            #expect(events.map(\.reason) == ["created", "requested"])
            try await h.drain(engine)
            #expect(try await h.events.settle() == 2)
        }
    }

    /// An event claimed before the pause committed still goes out (at most one); nothing after it.
    @Test func eventInFlightAtThePauseGoesOutAlone() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("in-flight-pause")
            let (pending, _) = try await engine.plan(.clusters)
            #expect(pending.count == 1)
            try await h.pause(cluster.id)
            _ = try await engine.publish(.clusters, pending)
            try await h.events.waitFor(1)
            for _ in 0..<120 {
                h.clock.advance(by: .seconds(1))
                try await h.drain(engine)
            }
            #expect(try await h.events.settle() == 1)
            #expect(try await h.record(cluster.id)?["next_due_at"] == nil)
        }
    }

    /// Pause during a NotReady backoff: no event for far longer than three backoff periods (looks
    /// every simulated second), a PATCH while paused included; resume publishes at once.
    @Test func pauseStopsEventsAndResumePublishesTheNext() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("paused")
            try await h.drain(engine)
            try await h.events.waitFor(1)
            try await h.pause(cluster.id, reason: "incident 42")
            try await h.drain(engine)
            let record = try #require(try await h.record(cluster.id))
            #expect(record["next_due_at"] == nil, "nothing is due while paused")
            #expect(record["next_reason"] == nil)

            // Backoff 10, 20, 40 s (max 80): 300 simulated seconds is well over three periods.
            for _ in 0..<300 {
                h.clock.advance(by: .seconds(1))
                try await h.drain(engine)
            }
            #expect(try await h.events.settle() == 1, "no event while paused")
            try await h.pause(cluster.id)  // twice: nothing changes
            try await h.resume(cluster.id)
            try await h.drain(engine)
            let resumed = try await h.events.waitFor(2)
            #expect(resumed.last?.reason == "not_ready_backoff")

            // A PATCH while paused is published at resume.
            try await h.pause(cluster.id)
            let patch = ResourcePatch(mode: .replace, spec: .object(["region": .string("us")]))
            _ = try await h.store.patch(.cluster(id: cluster.id), patch, by: "test@example.com")
            for _ in 0..<120 {
                h.clock.advance(by: .seconds(1))
                try await h.drain(engine)
            }
            #expect(try await h.events.settle() == 2)
            try await h.resume(cluster.id)
            try await h.drain(engine)
            let patched = try await h.events.waitFor(3)
            #expect(patched.last?.reason == "generation_changed")
            #expect(patched.last?.data?.at("generation") == .int(2))
            try await h.drain(engine)
            #expect(try await h.events.settle() == 3)

            let actions = try await h.history(cluster.id).map { $0["action"] ?? "" }
            #expect(actions == ["event", "resume", "pause", "event", "resume", "pause", "event"])
        }
    }

    /// A request on a paused resource waits for the resume, then publishes `requested` once.
    @Test func requestWhilePausedIsPublishedAtResume() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("paused-request")
            try await h.drain(engine)
            try await h.events.waitFor(1)
            try await h.pause(cluster.id)
            try await h.requestReconcile(cluster.id)
            try await h.drain(engine)
            #expect(try await h.events.settle() == 1)
            try await h.resume(cluster.id)
            try await h.drain(engine)
            let events = try await h.events.waitFor(2)
            #expect(events.last?.reason == "requested")
        }
    }

    /// DELETE of a paused resource: no `deleted` event until resume, then one. A request on the
    /// deleting resource publishes `requested` with `deleted: true`; a pause while deleting stops it.
    @Test func deletionAndPause() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("held")
            try await h.drain(engine)
            try await h.events.waitFor(1)
            try await h.pause(cluster.id)
            _ = try await h.store.delete(.cluster(id: cluster.id), by: "ops@example.com", force: false)
            for _ in 0..<60 {
                h.clock.advance(by: .seconds(1))
                try await h.drain(engine)
            }
            #expect(try await h.events.settle() == 1, "the deletion is held while paused")
            let held = try await h.pool.query(
                "SELECT deletion_held, next_reason FROM hyperfleet_reconciliation WHERE resource_type = 'clusters' AND resource_id = $1",
                [cluster.id])
            #expect(held.first?["deletion_held"] == "t")
            #expect(held.first?["next_reason"] == nil)

            try await h.resume(cluster.id)
            try await h.drain(engine)
            let deleted = try await h.events.waitFor(2)
            #expect(deleted.last?.reason == "deleted")
            let released = try await h.pool.query(
                "SELECT deletion_held FROM hyperfleet_reconciliation WHERE resource_type = 'clusters' AND resource_id = $1", [cluster.id])
            #expect(released.first?["deletion_held"] == "f", "announced: no longer held")
            try await h.drain(engine)
            #expect(try await h.events.settle() == 2, "deleted once")

            try await h.requestReconcile(cluster.id, reason: "poke the deletion")
            try await h.drain(engine)
            let poked = try await h.events.waitFor(3)
            #expect(poked.last?.reason == "requested")
            #expect(poked.last?.data?.at("deleted") == .bool(true))
            try await h.drain(engine)
            #expect(try await h.events.settle() == 3, "the requested event announced the deletion: no second deleted")

            try await h.pause(cluster.id)
            for _ in 0..<300 {
                h.clock.advance(by: .seconds(1))
                try await h.drain(engine)
            }
            #expect(try await h.events.settle() == 3, "a pause while deleting stops its events")
            try await h.resume(cluster.id)
            try await h.drain(engine)
            let backoff = try await h.events.waitFor(4)
            #expect(backoff.last?.reason == "not_ready_backoff")
        }
    }

    /// Each replica writes the settings row of every watched type at start-up.
    @Test func settingsRowWrittenAtStartUp() async throws {
        try await SentinelHarness.run(configure: { settings in
            settings.staleAdapterAfter = .seconds(5400)
            settings.stuckAfter = .seconds(900)
            settings.stuckDeleteAfter = .seconds(1200)
            settings.historyRetention = .seconds(2 * 86400)
        }) { h in
            let engine = h.engine(replica: "replica-settings")
            let service = SentinelService(
                engine: engine, listenConfiguration: .init(connectionString: h.databaseURL, poolSize: 1),
                pollInterval: .milliseconds(200), staleCheckInterval: .seconds(60), shutdownTimeout: .seconds(5),
                historyTrimInterval: .seconds(60))
            let group = ServiceGroup(configuration: .init(services: [service], logger: quietLogger))
            var rows: PostgresResult?
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                for _ in 0..<100 {
                    let found = try await h.pool.query(
                        """
                        SELECT resource_type, extract(epoch FROM stale_adapter_after)::bigint AS stale,
                            extract(epoch FROM stuck_after)::bigint AS stuck, extract(epoch FROM stuck_delete_after)::bigint AS stuck_delete,
                            extract(epoch FROM history_retention)::bigint AS retention, written_by
                        FROM sentinel_settings ORDER BY resource_type
                        """)
                    if found.count == 2 {
                        rows = found
                        break
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let settings = try #require(rows)
            #expect(settings.map { $0["resource_type"] } == ["clusters", "nodepools"])
            for row in settings {
                #expect(try row.int("stale") == 5400)
                #expect(try row.int("stuck") == 900)
                #expect(try row.int("stuck_delete") == 1200)
                #expect(try row.int("retention") == 2 * 86400)
                #expect(row["written_by"] == "replica-settings")
            }
            // The reconciliation view reads it.
            let cluster = try await h.createCluster("viewed")
            let view = try await h.pool.query(
                "SELECT extract(epoch FROM stale_adapter_after)::bigint AS stale FROM hyperfleet_reconciliation WHERE resource_id = $1",
                [cluster.id])
            #expect(try view.first?.int("stale") == 5400)
        }
    }
}
