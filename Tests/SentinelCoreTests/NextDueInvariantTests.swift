import HyperFleetModel
import HyperFleetTestSupport
import Testing
@testable import SentinelCore

/// Checks, over many random situations, that `nextDueAt` is exactly the earliest publishing instant.
@Suite("nextDueAt invariants")
struct NextDueInvariantTests {
    private typealias F = Fixture

    private func randomSituation(_ rng: inout SeededGenerator) -> (ResourceObservation, PublishRecord?, Timestamp) {
        func seconds(_ range: ClosedRange<Int64>) -> Timestamp { F.at(Int64.random(in: range, using: &rng)) }
        let generation = Int64.random(in: 1...3, using: &rng)
        let reported = Bool.random(using: &rng)
        var snapshot = F.snapshot(
            id: "r-\(rng.next() % 1000)", generation: generation,
            deletedTime: Int.random(in: 0..<4, using: &rng) == 0 ? seconds(0...4000) : nil,
            phase: Phase.allCases.randomElement(using: &rng)!,
            lastTransitionTime: seconds(0...4000), lastUpdatedTime: seconds(0...4000),
            newestReportTime: reported ? seconds(0...4000) : nil, anyAdapterReported: reported)
        snapshot.requiredAdapters[0].available = Bool.random(using: &rng) ? "True" : nil
        var record: PublishRecord? = nil
        if Int.random(in: 0..<5, using: &rng) > 0 {
            let reason = Reason.allCases.randomElement(using: &rng)!
            let sameMark = Bool.random(using: &rng)
            record = F.record(
                for: snapshot, generation: Int64.random(in: 1...generation, using: &rng), at: seconds(0...4000),
                reason: reason, attempts: Int.random(in: 0...12, using: &rng), mark: sameMark ? nil : "other")
        }
        return (snapshot, record, seconds(0...8000))
    }

    @Test("waiting: publishes exactly at nextDueAt, not a microsecond before")
    func waitingDecisions() throws {
        var rng = SeededGenerator(seed: 42)
        var waiting = 0
        for _ in 0..<3_000 {
            let (snapshot, record, now) = randomSituation(&rng)
            let decision = DecisionRules.decide(snapshot, record: record, now: now, settings: F.defaults)
            guard decision.publish == nil else { continue }
            waiting += 1
            let due = try #require(decision.nextDueAt)
            #expect(due > now)
            let atDue = DecisionRules.decide(snapshot, record: record, now: due, settings: F.defaults)
            #expect(atDue.publish != nil)
            let before = DecisionRules.decide(snapshot, record: record, now: F.justBefore(due), settings: F.defaults)
            #expect(before.publish == nil)
            #expect(before.nextDueAt == due)
        }
        #expect(waiting > 300, "the generator must produce enough waiting cases")
    }

    @Test("publishing: nextDueAt matches the decision made right after recording")
    func publishingDecisions() throws {
        var rng = SeededGenerator(seed: 7)
        var publishing = 0
        for _ in 0..<3_000 {
            let (snapshot, record, now) = randomSituation(&rng)
            let decision = DecisionRules.decide(snapshot, record: record, now: now, settings: F.defaults)
            guard let reason = decision.publish else { continue }
            publishing += 1
            let after = DecisionRules.recorded(decision, snapshot: snapshot, reason: reason, at: now)
            #expect(after.attempts == decision.attempts + 1)
            let next = DecisionRules.decide(snapshot, record: after, now: now, settings: F.defaults)
            #expect(next.publish == nil, "one publish per decision, never an immediate second one")
            #expect(next.nextDueAt == decision.nextDueAt)
            #expect(try #require(decision.nextDueAt) > now)
        }
        #expect(publishing > 300)
    }
}
