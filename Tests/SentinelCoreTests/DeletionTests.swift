import Testing
@testable import SentinelCore

@Suite("Deletion flow")
struct DeletionTests {
    private typealias F = Fixture

    @Test("deleting a Ready cluster (generation bumped): one deleted event, then the NotReady backoff")
    func deleteWithGenerationBump() {
        let live = F.snapshot(generation: 2, phase: .ready, lastUpdatedTime: F.at(0))
        let record = F.record(for: live, at: F.at(0), reason: .generationChanged, attempts: 1)
        var deleting = live
        deleting.generation = 3
        deleting.deletedTime = F.at(500)
        let events = F.simulate(deleting, record: record, from: F.at(500), until: F.at(500 + 3600))
        #expect(events.first == F.Event(at: F.at(500), reason: .deleted))
        #expect(events.filter { $0.reason == .deleted }.count == 1)
        #expect(events.dropFirst().allSatisfy { $0.reason == .notReadyBackoff })
        // NotReady timing although the phase is still Ready: ~10, 20, 40, 80, 160, 300...
        let gaps = F.gaps(events)
        for (gap, nominal) in zip(gaps, [10.0, 20, 40, 80, 160, 300, 300]) {
            #expect(gap >= nominal * 0.9 && gap <= nominal * 1.1, "\(gap) vs \(nominal)")
        }
        #expect((14...18).contains(events.count))
    }

    @Test("deletion without a generation bump still announces it once")
    func deleteWithoutGenerationBump() {
        var snapshot = F.snapshot(generation: 2, phase: .failed, newestReportTime: F.at(0), anyAdapterReported: true)
        let record = F.record(for: snapshot, at: F.at(100), reason: .failedBackoff, attempts: 4)
        snapshot.deletedTime = F.at(200)
        let events = F.simulate(snapshot, record: record, from: F.at(200), until: F.at(400))
        #expect(events.first == F.Event(at: F.at(200), reason: .deleted))
        #expect(events.filter { $0.reason == .deleted }.count == 1)
        #expect(events.count >= 4)
    }

    @Test("a follow-up decided on the deleting snapshot counts even if clocks disagree")
    func followUpUnderClockSkew() {
        // The Sentinel's clock lags the API's: the follow-up is acknowledged "before" deleted_time.
        let deleting = F.snapshot(generation: 2, deletedTime: F.at(1000))
        let followUp = F.record(for: deleting, at: F.at(980), reason: .notReadyBackoff, attempts: 2)
        #expect(DecisionRules.deletionAnnounced(deleting, record: followUp))
        #expect(DecisionRules.decide(deleting, record: followUp, now: F.at(981), settings: F.defaults).publish == nil)
        let events = F.simulate(
            deleting, record: F.record(for: deleting, at: F.at(950), reason: .deleted, attempts: 1),
            from: F.at(951), until: F.at(1500))
        #expect(events.count >= 4)
        #expect(events.allSatisfy { $0.reason == .notReadyBackoff })
    }

    @Test("deleting a never-published resource publishes deleted, not created")
    func deleteBeforeFirstEvent() {
        let snapshot = F.snapshot(deletedTime: F.at(1))
        let decision = DecisionRules.decide(snapshot, record: nil, now: F.at(1), settings: F.defaults)
        #expect(decision.publish == .deleted)
        #expect(decision.attempts == 0)
    }

    @Test("a generation bump after the deleted event announces the deletion again")
    func bumpWhileDeleting() {
        let deleting = F.snapshot(generation: 3, deletedTime: F.at(10))
        let record = F.record(for: deleting, generation: 2, at: F.at(20), reason: .deleted, attempts: 1)
        #expect(DecisionRules.decide(deleting, record: record, now: F.at(21), settings: F.defaults).publish == .deleted)
    }

    @Test("deletionAnnounced reads the record", arguments: [
        (Reason.deleted, Int64(100), true),
        (Reason.notReadyBackoff, Int64(100), true),
        (Reason.notReadyBackoff, Int64(99), false),
        (Reason.requested, Int64(100), true),
        (Reason.requested, Int64(99), false),
        (Reason.readyStale, Int64(150), false),
        (Reason.generationChanged, Int64(150), false),
        (Reason.created, Int64(150), false),
        (Reason.failedBackoff, Int64(150), false),
    ])
    func announced(reason: Reason, publishedAt: Int64, expected: Bool) {
        let snapshot = F.snapshot(deletedTime: F.at(100))
        let record = F.record(for: snapshot, at: F.at(publishedAt), reason: reason, attempts: 1, mark: "pre-deletion")
        #expect(DecisionRules.deletionAnnounced(snapshot, record: record) == expected)
        #expect(DecisionRules.deletionAnnounced(snapshot, record: nil) == false)
        var live = snapshot
        live.deletedTime = nil
        #expect(DecisionRules.deletionAnnounced(live, record: record) == false)
    }
}
