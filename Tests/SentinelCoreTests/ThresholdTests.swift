import Testing
@testable import SentinelCore
import HyperFleetModel

/// A situation whose publish instant is known exactly.
struct ThresholdCase: Sendable, CustomTestStringConvertible {
    var name: String
    var snapshot: ResourceObservation
    var record: PublishRecord
    var settings: DecisionSettings
    var threshold: Timestamp
    var reason: Reason
    var testDescription: String { name }
}

private typealias F = Fixture

private func backoff(_ n: Int, _ base: Duration, _ max: Duration) -> Duration {
    DecisionRules.backoff(attempts: n, base: base, max: max, resourceID: F.id)
}

private let thresholdCases: [ThresholdCase] = {
    var cases: [ThresholdCase] = []
    let stuck = F.snapshot(newestReportTime: F.at(0), anyAdapterReported: true)
    cases.append(ThresholdCase(
        name: "NotReady backoff expiry (backoff later than debounce)", snapshot: stuck,
        record: F.record(for: stuck, at: F.at(100), reason: .notReadyBackoff, attempts: 3), settings: F.defaults,
        threshold: F.at(100) + backoff(3, .seconds(10), .seconds(300)), reason: .notReadyBackoff))
    let reported = F.snapshot(newestReportTime: F.at(105), anyAdapterReported: true)
    cases.append(ThresholdCase(
        name: "NotReady debounce (debounce later than backoff)", snapshot: reported,
        record: F.record(for: reported, at: F.at(100), reason: .notReadyBackoff, attempts: 1), settings: F.defaults,
        threshold: F.at(115), reason: .notReadyBackoff))
    cases.append(ThresholdCase(
        name: "NotReady after a reset: debounce only", snapshot: reported,
        record: F.record(for: reported, at: F.at(100), reason: .notReadyBackoff, attempts: 9, mark: "stale-mark"),
        settings: F.defaults, threshold: F.at(115), reason: .notReadyBackoff))
    let failed = F.snapshot(phase: .failed, newestReportTime: F.at(0), anyAdapterReported: true)
    cases.append(ThresholdCase(
        name: "Failed backoff expiry at the cap", snapshot: failed,
        record: F.record(for: failed, at: F.at(10_000), reason: .failedBackoff, attempts: 12), settings: F.defaults,
        threshold: F.at(10_000) + backoff(12, .seconds(30), .seconds(1800)), reason: .failedBackoff))
    let ready = F.snapshot(phase: .ready, lastUpdatedTime: F.at(1000))
    cases.append(ThresholdCase(
        name: "Ready stale by status age", snapshot: ready,
        record: F.record(for: ready, at: F.at(0), reason: .created, attempts: 1), settings: F.defaults,
        threshold: F.at(2800), reason: .readyStale))
    let readyOld = F.snapshot(phase: .ready, lastUpdatedTime: F.at(0))
    cases.append(ThresholdCase(
        name: "Ready stale by last event age", snapshot: readyOld,
        record: F.record(for: readyOld, at: F.at(500), reason: .readyStale, attempts: 1), settings: F.defaults,
        threshold: F.at(2300), reason: .readyStale))
    let deleting = F.snapshot(generation: 2, deletedTime: F.at(50), phase: .failed)
    cases.append(ThresholdCase(
        name: "Deleting resource on the NotReady backoff", snapshot: deleting,
        record: F.record(for: deleting, at: F.at(60), reason: .deleted, attempts: 2), settings: F.defaults,
        threshold: F.at(60) + backoff(2, .seconds(10), .seconds(300)), reason: .notReadyBackoff))

    // Shortened, test-style durations (milliseconds).
    var fast = DecisionSettings()
    fast.notReadyBackoffBase = .milliseconds(20)
    fast.notReadyBackoffMax = .milliseconds(200)
    fast.debounce = .milliseconds(50)
    fast.maxAgeReady = .milliseconds(500)
    let fastStuck = F.snapshot(newestReportTime: F.at(0), anyAdapterReported: true)
    cases.append(ThresholdCase(
        name: "Millisecond settings, NotReady", snapshot: fastStuck,
        record: F.record(for: fastStuck, at: F.at(1), reason: .notReadyBackoff, attempts: 2), settings: fast,
        threshold: F.at(1) + backoff(2, .milliseconds(20), .milliseconds(200)), reason: .notReadyBackoff))
    let fastReady = F.snapshot(phase: .ready, lastUpdatedTime: F.at(1))
    cases.append(ThresholdCase(
        name: "Millisecond settings, Ready", snapshot: fastReady,
        record: F.record(for: fastReady, at: F.at(0), reason: .created, attempts: 1), settings: fast,
        threshold: F.at(1) + .milliseconds(500), reason: .readyStale))
    return cases
}()

@Suite("Both sides of every threshold")
struct ThresholdTests {
    @Test("exactly at the threshold publishes", arguments: thresholdCases)
    func atThresholdPublishes(_ row: ThresholdCase) {
        let decision = DecisionRules.decide(row.snapshot, record: row.record, now: row.threshold, settings: row.settings)
        #expect(decision.publish == row.reason)
    }

    @Test("one microsecond before does not, and says when to look", arguments: thresholdCases)
    func justBeforeWaits(_ row: ThresholdCase) {
        let now = Fixture.justBefore(row.threshold)
        let decision = DecisionRules.decide(row.snapshot, record: row.record, now: now, settings: row.settings)
        #expect(decision.publish == nil)
        #expect(decision.nextDueAt == row.threshold)
    }

    @Test("rule 0, 1 and 2 have no time threshold: they publish at any instant")
    func immediateRulesIgnoreTime() {
        let snapshot = Fixture.snapshot(generation: 5, phase: .ready, lastUpdatedTime: Fixture.at(100))
        let record = Fixture.record(for: snapshot, generation: 4, at: Fixture.at(99), reason: .readyStale, attempts: 3)
        for now in [Fixture.at(99), Fixture.at(100), Fixture.at(100_000)] {
            let decision = DecisionRules.decide(snapshot, record: record, now: now, settings: Fixture.defaults)
            #expect(decision.publish == .generationChanged)
        }
    }
}
