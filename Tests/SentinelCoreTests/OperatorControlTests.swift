import Testing
@testable import SentinelCore
import HyperFleetModel

private typealias F = Fixture

/// A snapshot with the operator's controls set.
private func controlled(_ s: ResourceObservation, requestSeq: Int64 = 0, paused: Bool = false) -> ResourceObservation {
    var s = s
    s.requestSeq = requestSeq
    s.paused = paused
    return s
}

/// A record that has served `served` requests.
private func served(_ r: PublishRecord, _ served: Int64) -> PublishRecord {
    var r = r
    r.servedRequestSeq = served
    return r
}

/// Looks every `step` seconds from `begin` to `end` (a look per second stands in for every change
/// row and every due time), letting `change` alter the snapshot first; returns the events.
private func lookEverySecond(
    _ start: ResourceObservation, record initial: PublishRecord?, from begin: Int64, until end: Int64,
    change: (Int64, inout ResourceObservation) -> Void = { _, _ in }
) -> [F.Event] {
    var snapshot = start
    var record = initial
    var events: [F.Event] = []
    for second in begin...end {
        change(second, &snapshot)
        let now = F.at(second)
        let decision = DecisionRules.decide(snapshot, record: record, now: now, settings: F.defaults)
        if let reason = decision.publish {
            record = DecisionRules.recorded(decision, snapshot: snapshot, reason: reason, at: now)
            events.append(F.Event(at: now, reason: reason))
        }
    }
    return events
}

/// A NotReady resource deep in its backoff: 8 events acknowledged, the last at 1000 (next at ~1300).
private let backingOff = F.snapshot(newestReportTime: F.at(900), anyAdapterReported: true)
private let longBackoff = F.record(for: backingOff, at: F.at(1000), reason: .notReadyBackoff, attempts: 8)

/// The paused rows: every rule that would publish, and what it would publish unpaused.
private let pausedCases: [RuleCase] = {
    let deleting = F.snapshot(generation: 2, deletedTime: F.at(1000), phase: .ready, lastUpdatedTime: F.at(900))
    let patched = F.snapshot(generation: 3, phase: .ready, lastUpdatedTime: F.at(100))
    let failed = F.snapshot(phase: .failed, newestReportTime: F.at(50), anyAdapterReported: true)
    let ready = F.snapshot(phase: .ready, lastUpdatedTime: F.at(0))
    return [
        RuleCase(name: "deleted", snapshot: deleting, record: nil, now: F.at(1000), expected: .deleted),
        RuleCase(name: "created", snapshot: F.snapshot(), record: nil, now: F.at(0), expected: .created),
        RuleCase(
            name: "generation_changed (a PATCH while paused)", snapshot: patched,
            record: F.record(for: patched, generation: 2, at: F.at(99), reason: .generationChanged, attempts: 4), now: F.at(101),
            expected: .generationChanged, expectedAttempts: 4),
        RuleCase(
            name: "not_ready_backoff", snapshot: backingOff, record: longBackoff, now: F.at(2000), expected: .notReadyBackoff,
            expectedAttempts: 8),
        RuleCase(
            name: "failed_backoff", snapshot: failed, record: F.record(for: failed, at: F.at(100), reason: .failedBackoff, attempts: 1),
            now: F.at(134), expected: .failedBackoff, expectedAttempts: 1),
        RuleCase(
            name: "ready_stale", snapshot: ready, record: F.record(for: ready, at: F.at(0), reason: .created, attempts: 1),
            now: F.at(1800), expected: .readyStale),
        RuleCase(
            name: "requested", snapshot: controlled(backingOff, requestSeq: 1), record: longBackoff, now: F.at(1001),
            expected: .requested, expectedAttempts: 8),
    ]
}()

@Suite("Operator controls: requested and paused")
struct OperatorControlTests {
    // MARK: requested

    @Test("a request publishes at once during a long backoff, inside the debounce, and on a fresh Ready resource")
    func requestPublishesAtOnce() {
        // One second after the last backoff event; an adapter reported a second ago (inside the debounce).
        let justReported = controlled(F.snapshot(newestReportTime: F.at(1000), anyAdapterReported: true), requestSeq: 1)
        let record = F.record(for: justReported, at: F.at(1000), reason: .notReadyBackoff, attempts: 8)
        let decision = DecisionRules.decide(justReported, record: record, now: F.at(1001), settings: F.defaults)
        #expect(decision.publish == .requested)
        #expect(decision.attempts == 8, "a requested event counts as an attempt like any other")
        // After it, the backoff continues from the requested event (attempt 9, capped at 300 s).
        #expect(decision.nextReason == .notReadyBackoff)
        let after = DecisionRules.recorded(decision, snapshot: justReported, reason: .requested, at: F.at(1001))
        #expect(after.attempts == 9)
        #expect(after.servedRequestSeq == 1)
        #expect(after.publishedReason == .requested)
        #expect(decision.nextDueAt == F.at(1001) + DecisionRules.backoff(attempts: 9, base: .seconds(10), max: .seconds(300), resourceID: F.id))

        let failed = controlled(F.snapshot(phase: .failed, newestReportTime: F.at(50), anyAdapterReported: true), requestSeq: 4)
        let failedRecord = served(F.record(for: failed, at: F.at(100), reason: .failedBackoff, attempts: 10), 3)
        #expect(DecisionRules.decide(failed, record: failedRecord, now: F.at(100), settings: F.defaults).publish == .requested)

        let ready = controlled(F.snapshot(phase: .ready, lastUpdatedTime: F.at(100)), requestSeq: 1)
        let readyRecord = F.record(for: ready, at: F.at(100), reason: .generationChanged, attempts: 1)
        #expect(DecisionRules.decide(ready, record: readyRecord, now: F.at(101), settings: F.defaults).publish == .requested)
    }

    @Test("a served request publishes nothing more; sequence numbers decide, not clocks")
    func servedRequestIsQuiet() {
        let snapshot = controlled(backingOff, requestSeq: 3)
        let decision = DecisionRules.decide(snapshot, record: served(longBackoff, 3), now: F.at(1001), settings: F.defaults)
        #expect(decision.publish == nil)
        #expect(decision.nextReason == .notReadyBackoff)
        // A record that served more than the row says (a row recreated by the API) is not pending either.
        #expect(!DecisionRules.requestPending(controlled(backingOff, requestSeq: 2), record: served(longBackoff, 3)))
        #expect(DecisionRules.requestPending(controlled(backingOff, requestSeq: 1), record: nil))
    }

    @Test("the rules before requested win, and their event serves the request")
    func earlierRulesServeTheRequest() {
        let patched = controlled(F.snapshot(generation: 3, phase: .ready, lastUpdatedTime: F.at(100)), requestSeq: 5)
        let record = F.record(for: patched, generation: 2, at: F.at(99), reason: .generationChanged, attempts: 1)
        let events = lookEverySecond(patched, record: record, from: 101, until: 400)
        #expect(events == [F.Event(at: F.at(101), reason: .generationChanged)])

        let created = controlled(F.snapshot(), requestSeq: 1)
        let first = lookEverySecond(created, record: nil, from: 0, until: 5)
        #expect(first == [F.Event(at: F.at(0), reason: .created)])
    }

    @Test("two (or three) requests before the publish give one event")
    func requestsBeforeThePublishGiveOneEvent() {
        // Two requests land before the look at 1100 (one look sees both), one more at 1200 after that event.
        let events = lookEverySecond(backingOff, record: longBackoff, from: 1001, until: 1250) { second, s in
            if second == 1100 { s.requestSeq = 2 }
            if second == 1200 { s.requestSeq = 3 }
        }
        #expect(events == [F.Event(at: F.at(1100), reason: .requested), F.Event(at: F.at(1200), reason: .requested)])
    }

    @Test("a request on a deleting resource after its deleted event publishes requested; the deletion stays announced")
    func requestWhileDeleting() {
        let deleting = F.snapshot(generation: 2, deletedTime: F.at(1000), phase: .ready, lastUpdatedTime: F.at(900))
        let record = F.record(for: deleting, at: F.at(1000), reason: .deleted, attempts: 1)
        let requested = controlled(deleting, requestSeq: 1)
        let decision = DecisionRules.decide(requested, record: record, now: F.at(1001), settings: F.defaults)
        #expect(decision.publish == .requested)
        let after = DecisionRules.recorded(decision, snapshot: requested, reason: .requested, at: F.at(1001))
        #expect(DecisionRules.deletionAnnounced(requested, record: after), "a requested event on the deleting snapshot announces it")
        #expect(DecisionRules.decide(requested, record: after, now: F.at(1002), settings: F.defaults).publish == nil)
        // Even with the Sentinel's clock behind the API's, the mark proves the announcement.
        var skewed = after
        skewed.publishedAt = F.at(990)
        #expect(DecisionRules.deletionAnnounced(requested, record: skewed))
        // A requested event from before the deletion does not announce it.
        var live = requested
        live.deletedTime = nil
        let before = F.record(for: live, at: F.at(990), reason: .requested, attempts: 1)
        #expect(DecisionRules.decide(requested, record: before, now: F.at(1001), settings: F.defaults).publish == .deleted)
    }

    // MARK: paused

    @Test("a paused resource gets no event from any rule", arguments: pausedCases)
    func pausedPublishesNothing(_ row: RuleCase) {
        let running = DecisionRules.decide(row.snapshot, record: row.record, now: row.now, settings: F.defaults)
        #expect(running.publish == row.expected, "unpaused, the row publishes")
        let paused = controlled(row.snapshot, requestSeq: row.snapshot.requestSeq, paused: true)
        let decision = DecisionRules.decide(paused, record: row.record, now: row.now, settings: F.defaults)
        #expect(decision.publish == nil)
        #expect(decision.nextDueAt == nil, "the resume writes a change row: nothing is due while paused")
        #expect(decision.nextReason == nil)
        #expect(decision.progressMark == DecisionRules.progressMark(row.snapshot))
        if let attempts = row.expectedAttempts {
            #expect(decision.attempts == attempts)
        }
    }

    @Test("the paused rows cover every reason")
    func pausedCasesCoverEveryReason() {
        #expect(Set(pausedCases.compactMap(\.expected)) == Set(Reason.allCases))
    }

    @Test("pause during a backoff stops events for longer than three backoff periods; resume brings the next")
    func pauseDuringBackoff() {
        // 0: created; backoff 10, 20, 40 ... Paused from 50 to 500, resumed at 500.
        let events = lookEverySecond(F.snapshot(), record: nil, from: 0, until: 600) { second, s in
            s.paused = (50..<500).contains(second)
        }
        #expect(events.allSatisfy { !(50..<500).contains($0.at.microsecondsSinceEpoch / 1_000_000) })
        let atResume = events.first { $0.at >= F.at(500) }
        #expect(atResume == F.Event(at: F.at(500), reason: .notReadyBackoff), "the backoff was long over: published at resume")
        #expect(events.filter { $0.at < F.at(50) }.count == 3)  // 0, ~10, ~30
    }

    @Test("a PATCH while paused is published at resume, once")
    func patchWhilePaused() {
        let ready = F.snapshot(phase: .ready, lastUpdatedTime: F.at(0))
        let record = F.record(for: ready, at: F.at(0), reason: .created, attempts: 1)
        let events = lookEverySecond(ready, record: record, from: 1, until: 400) { second, s in
            s.paused = (10..<300).contains(second)
            if second == 100 { s.generation = 2 }
        }
        #expect(events == [F.Event(at: F.at(300), reason: .generationChanged)])
    }

    @Test("a request on a paused resource is published at resume")
    func requestWhilePaused() {
        let events = lookEverySecond(backingOff, record: longBackoff, from: 1001, until: 1200) { second, s in
            s.paused = (1010..<1100).contains(second)
            if second == 1050 { s.requestSeq = 1 }
        }
        #expect(events == [F.Event(at: F.at(1100), reason: .requested)])
    }

    @Test("a DELETE of a paused resource is held until resume, then announced once")
    func deleteWhilePaused() {
        let ready = F.snapshot(phase: .ready, lastUpdatedTime: F.at(0))
        let record = F.record(for: ready, at: F.at(0), reason: .created, attempts: 1)
        let events = lookEverySecond(ready, record: record, from: 1, until: 250) { second, s in
            s.paused = (10..<200).contains(second)
            if second == 50 {
                s.generation = 2
                s.deletedTime = F.at(50)
            }
        }
        #expect(events.first == F.Event(at: F.at(200), reason: .deleted))
        #expect(events.filter { $0.reason == .deleted }.count == 1)
    }

    // MARK: nextReason

    @Test("nextReason names the timed rule that sets nextDueAt")
    func nextReasonMatchesTheTimedRule() {
        let quiet = DecisionRules.decide(backingOff, record: longBackoff, now: F.at(1001), settings: F.defaults)
        #expect(quiet.publish == nil)
        #expect(quiet.nextReason == .notReadyBackoff)
        #expect(quiet.nextDueAt == DecisionRules.timedRule(backingOff, record: longBackoff, attempts: 8, settings: F.defaults).dueAt)

        let failed = F.snapshot(phase: .failed, newestReportTime: F.at(50), anyAdapterReported: true)
        let failedRecord = F.record(for: failed, at: F.at(100), reason: .failedBackoff, attempts: 1)
        #expect(DecisionRules.decide(failed, record: failedRecord, now: F.at(101), settings: F.defaults).nextReason == .failedBackoff)

        let ready = F.snapshot(phase: .ready, lastUpdatedTime: F.at(0))
        let readyRecord = F.record(for: ready, at: F.at(0), reason: .created, attempts: 1)
        let readyDecision = DecisionRules.decide(ready, record: readyRecord, now: F.at(1), settings: F.defaults)
        #expect(readyDecision.nextReason == .readyStale)
        #expect(readyDecision.nextDueAt == F.at(1800))

        // A publish's next is the timed rule after it: created -> not_ready_backoff.
        let created = DecisionRules.decide(F.snapshot(), record: nil, now: F.at(0), settings: F.defaults)
        #expect(created.publish == .created)
        #expect(created.nextReason == .notReadyBackoff)

        // Deleting: the NotReady backoff whatever the phase.
        let deleting = F.snapshot(generation: 2, deletedTime: F.at(1000), phase: .ready)
        let deletingRecord = F.record(for: deleting, at: F.at(1000), reason: .deleted, attempts: 1)
        #expect(DecisionRules.decide(deleting, record: deletingRecord, now: F.at(1001), settings: F.defaults).nextReason == .notReadyBackoff)

        // No next, no reason.
        #expect(Decision(publish: nil, nextDueAt: nil, nextReason: .readyStale, progressMark: "m", attempts: 0).nextReason == nil)
    }
}
