import Testing
@testable import SentinelCore
import HyperFleetModel

/// One row of the rule table: (snapshot, record, now) -> expected reason.
struct RuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var snapshot: ResourceObservation
    var record: PublishRecord?
    var now: Timestamp
    var expected: Reason?
    var expectedAttempts: Int? = nil
    var testDescription: String { name }
}

private typealias F = Fixture

private let nrBackoff1 = DecisionRules.backoff(attempts: 1, base: .seconds(10), max: .seconds(300), resourceID: F.id)

private let ruleCases: [RuleCase] = {
    var cases: [RuleCase] = []
    let deleting = F.snapshot(generation: 2, deletedTime: F.at(1000), phase: .ready, lastUpdatedTime: F.at(900))
    var live = deleting
    live.deletedTime = nil
    let preDeletionMark = DecisionRules.progressMark(live)

    // Rule 0: deleted.
    cases.append(RuleCase(name: "0: deleted, never published", snapshot: deleting, record: nil, now: F.at(1000), expected: .deleted))
    cases.append(RuleCase(
        name: "0: deleted, record for an older generation", snapshot: deleting,
        record: F.record(for: deleting, generation: 1, at: F.at(999), reason: .readyStale, attempts: 1), now: F.at(1000),
        expected: .deleted))
    cases.append(RuleCase(
        name: "0: deleted, same generation but last event predates deletion", snapshot: deleting,
        record: F.record(for: deleting, at: F.at(999), reason: .readyStale, attempts: 1), now: F.at(1000), expected: .deleted))
    cases.append(RuleCase(
        name: "0: deleted, same generation, not_ready_backoff from before deletion", snapshot: deleting,
        record: F.record(for: deleting, at: F.at(999), reason: .notReadyBackoff, attempts: 1, mark: preDeletionMark),
        now: F.at(1000),
        expected: .deleted))
    cases.append(RuleCase(
        name: "0: not again once announced", snapshot: deleting,
        record: F.record(for: deleting, at: F.at(1000), reason: .deleted, attempts: 1), now: F.at(1001), expected: nil,
        expectedAttempts: 1))
    cases.append(RuleCase(
        name: "0: not again after a follow-up not_ready_backoff", snapshot: deleting,
        record: F.record(for: deleting, at: F.at(1020), reason: .notReadyBackoff, attempts: 2), now: F.at(1021), expected: nil))
    cases.append(RuleCase(
        name: "0: beats created", snapshot: F.snapshot(deletedTime: F.at(5)), record: nil, now: F.at(5), expected: .deleted))

    // Rule 1: created.
    cases.append(RuleCase(name: "1: created", snapshot: F.snapshot(), record: nil, now: F.at(0), expected: .created, expectedAttempts: 0))
    cases.append(RuleCase(
        name: "1: not created once an adapter reported", snapshot: F.snapshot(newestReportTime: F.at(1), anyAdapterReported: true),
        record: nil, now: F.at(2), expected: .generationChanged))
    cases.append(RuleCase(
        name: "1: not created at generation 2", snapshot: F.snapshot(generation: 2), record: nil, now: F.at(0),
        expected: .generationChanged))

    // Rule 2: generation_changed.
    let patched = F.snapshot(generation: 3, phase: .ready, lastUpdatedTime: F.at(100))
    cases.append(RuleCase(
        name: "2: generation ahead of the record", snapshot: patched,
        record: F.record(for: patched, generation: 2, at: F.at(99), reason: .generationChanged, attempts: 4), now: F.at(101),
        expected: .generationChanged))
    cases.append(RuleCase(
        name: "2: nothing for the published generation while Ready and fresh", snapshot: patched,
        record: F.record(for: patched, at: F.at(99), reason: .generationChanged, attempts: 1), now: F.at(101), expected: nil))
    cases.append(RuleCase(
        name: "2: created counts as published for generation 1", snapshot: F.snapshot(),
        record: F.record(for: F.snapshot(), at: F.at(0), reason: .created, attempts: 1), now: F.at(1), expected: nil))

    // requested (after rule 2): a pending reconcile request, by sequence numbers.
    var requested = F.snapshot(phase: .ready, lastUpdatedTime: F.at(100))
    requested.requestSeq = 2
    var servedOne = F.record(for: requested, at: F.at(100), reason: .generationChanged, attempts: 1)
    servedOne.servedRequestSeq = 1
    cases.append(RuleCase(
        name: "requested: request_seq ahead of served_request_seq", snapshot: requested, record: servedOne, now: F.at(101),
        expected: .requested, expectedAttempts: 1))
    var servedTwo = servedOne
    servedTwo.servedRequestSeq = 2
    cases.append(RuleCase(
        name: "requested: nothing once served", snapshot: requested, record: servedTwo, now: F.at(101), expected: nil))

    // Rule 3: backoff.
    let stuck = F.snapshot(newestReportTime: F.at(50), anyAdapterReported: true)
    cases.append(RuleCase(
        name: "3: NotReady, backoff and debounce both over", snapshot: stuck,
        record: F.record(for: stuck, at: F.at(100), reason: .notReadyBackoff, attempts: 1), now: F.at(112),
        expected: .notReadyBackoff, expectedAttempts: 1))
    cases.append(RuleCase(
        name: "3: NotReady, backoff over but an adapter just reported", snapshot: F.snapshot(newestReportTime: F.at(108), anyAdapterReported: true),
        record: F.record(for: F.snapshot(newestReportTime: F.at(108), anyAdapterReported: true), at: F.at(100), reason: .notReadyBackoff, attempts: 1),
        now: F.at(112), expected: nil))
    cases.append(RuleCase(
        name: "3: NotReady, quiet but backoff not over", snapshot: stuck,
        record: F.record(for: stuck, at: F.at(100), reason: .notReadyBackoff, attempts: 3), now: F.at(130), expected: nil,
        expectedAttempts: 3))
    let failed = F.snapshot(phase: .failed, newestReportTime: F.at(50), anyAdapterReported: true)
    cases.append(RuleCase(
        name: "3: Failed, backoff over", snapshot: failed,
        record: F.record(for: failed, at: F.at(100), reason: .failedBackoff, attempts: 1), now: F.at(134), expected: .failedBackoff))
    cases.append(RuleCase(
        name: "3: Failed uses its own slower backoff", snapshot: failed,
        record: F.record(for: failed, at: F.at(100), reason: .failedBackoff, attempts: 1), now: F.at(115), expected: nil))
    cases.append(RuleCase(
        name: "3: a new mark resets attempts, so only the debounce holds", snapshot: stuck,
        record: F.record(for: stuck, at: F.at(100), reason: .notReadyBackoff, attempts: 6, mark: "0000000000000000"),
        now: F.at(100), expected: .notReadyBackoff, expectedAttempts: 0))
    cases.append(RuleCase(
        name: "3: deleting Ready resource follows the NotReady backoff", snapshot: deleting,
        record: F.record(for: deleting, at: F.at(1000), reason: .deleted, attempts: 1), now: F.at(1012),
        expected: .notReadyBackoff))
    let deletingFailed = F.snapshot(generation: 2, deletedTime: F.at(1000), phase: .failed)
    cases.append(RuleCase(
        name: "3: deleting Failed resource uses the NotReady, not the Failed, backoff", snapshot: deletingFailed,
        record: F.record(for: deletingFailed, at: F.at(1000), reason: .deleted, attempts: 1), now: F.at(1012),
        expected: .notReadyBackoff))

    // Rule 4: ready_stale.
    let ready = F.snapshot(phase: .ready, lastUpdatedTime: F.at(0))
    cases.append(RuleCase(
        name: "4: Ready, status and last event both old", snapshot: ready,
        record: F.record(for: ready, at: F.at(0), reason: .created, attempts: 1), now: F.at(1800), expected: .readyStale))
    cases.append(RuleCase(
        name: "4: Ready, status old but an event went out recently", snapshot: ready,
        record: F.record(for: ready, at: F.at(1000), reason: .readyStale, attempts: 1), now: F.at(2000), expected: nil))
    let freshReady = F.snapshot(phase: .ready, lastUpdatedTime: F.at(1900))
    cases.append(RuleCase(
        name: "4: Ready, last event old but status fresh", snapshot: freshReady,
        record: F.record(for: freshReady, at: F.at(0), reason: .created, attempts: 1), now: F.at(2000), expected: nil))
    cases.append(RuleCase(
        name: "4: Ready ignores the backoff rules", snapshot: F.snapshot(phase: .ready, lastUpdatedTime: F.at(100)),
        record: F.record(for: F.snapshot(phase: .ready, lastUpdatedTime: F.at(100)), at: F.at(0), reason: .created, attempts: 0),
        now: F.at(500), expected: nil))
    return cases
}()

@Suite("Decision rules as a table")
struct RuleTableTests {
    @Test("first matching rule wins", arguments: ruleCases)
    func decides(_ row: RuleCase) {
        let decision = DecisionRules.decide(row.snapshot, record: row.record, now: row.now, settings: Fixture.defaults)
        #expect(decision.publish == row.expected)
        #expect(decision.progressMark == DecisionRules.progressMark(row.snapshot))
        if let attempts = row.expectedAttempts {
            #expect(decision.attempts == attempts)
        }
        // Whatever happens, the next look is never in the past.
        #expect(decision.nextDueAt != nil, "every phase has a time-driven rule, so there is always a next look")
        if let next = decision.nextDueAt {
            #expect(row.expected == nil ? next > row.now : next >= row.now)
        }
    }

    @Test("the table covers every reason")
    func coversEveryReason() {
        let covered = Set(ruleCases.compactMap(\.expected))
        #expect(covered == Set(Reason.allCases))
        #expect(ruleCases.contains { $0.expected == nil })
    }

    @Test("a publish's nextDueAt is the due time after recording it")
    func nextDueAfterPublish() throws {
        let snapshot = Fixture.snapshot()
        let decision = DecisionRules.decide(snapshot, record: nil, now: Fixture.at(0), settings: Fixture.defaults)
        #expect(decision.publish == .created)
        // After created at 0 with attempts 1: max(0 + backoff(1), created + debounce).
        let expected = max(Fixture.at(0) + nrBackoff1, Fixture.at(10))
        #expect(decision.nextDueAt == expected)
        let record = DecisionRules.recorded(decision, snapshot: snapshot, reason: .created, at: Fixture.at(0))
        let later = DecisionRules.decide(snapshot, record: record, now: Fixture.at(1), settings: Fixture.defaults)
        #expect(later.publish == nil)
        #expect(later.nextDueAt == expected)
    }

    @Test("recorded stores generation, time, reason, mark and counts the publish")
    func recordedCountsThePublish() {
        let snapshot = Fixture.snapshot(generation: 7)
        let decision = Decision(publish: .generationChanged, nextDueAt: nil, progressMark: "abc", attempts: 4)
        let record = DecisionRules.recorded(decision, snapshot: snapshot, reason: .generationChanged, at: Fixture.at(42))
        #expect(record == PublishRecord(
            publishedGeneration: 7, publishedAt: Fixture.at(42), publishedReason: .generationChanged, attempts: 5,
            progressMark: "abc"))
        var requested = snapshot
        requested.requestSeq = 3
        #expect(DecisionRules.recorded(decision, snapshot: requested, reason: .generationChanged, at: Fixture.at(42)).servedRequestSeq == 3)
    }

    @Test("reasons carry the rule names used on the wire")
    func reasonNames() {
        #expect(Reason.allCases.map(\.rawValue) == [
            "deleted", "created", "generation_changed", "not_ready_backoff", "failed_backoff", "ready_stale", "requested",
        ])
        #expect(Phase.allCases.map(\.rawValue) == ["NotReady", "Ready", "Failed"])
    }
}
