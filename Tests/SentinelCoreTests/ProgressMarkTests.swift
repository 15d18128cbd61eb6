import Testing
@testable import SentinelCore

/// A change to a snapshot and whether it must move the progress mark.
struct MarkChange: Sendable, CustomTestStringConvertible {
    var name: String
    var moves: Bool
    var apply: @Sendable (inout ResourceObservation) -> Void
    var testDescription: String { name }
}

private let base = Fixture.snapshot(
    generation: 2, phase: .notReady, lastTransitionTime: Fixture.at(5), lastUpdatedTime: Fixture.at(6),
    newestReportTime: Fixture.at(7), anyAdapterReported: true,
    requiredAdapters: [
        AdapterProgress(adapter: "dns", observedGeneration: 2, available: "False", finalized: nil),
        AdapterProgress(adapter: "validation", observedGeneration: 1, available: "True", finalized: "False"),
    ])

private let markChanges: [MarkChange] = [
    MarkChange(name: "generation", moves: true) { $0.generation = 3 },
    MarkChange(name: "deletion requested", moves: true) { $0.deletedTime = Fixture.at(9) },
    MarkChange(name: "phase transition", moves: true) { $0.phase = .ready },
    MarkChange(name: "last transition time", moves: true) { $0.lastTransitionTime = Fixture.at(8) },
    MarkChange(name: "adapter observed a generation", moves: true) { $0.requiredAdapters[1].observedGeneration = 2 },
    MarkChange(name: "adapter observed generation lost", moves: true) { $0.requiredAdapters[0].observedGeneration = nil },
    MarkChange(name: "adapter became Available", moves: true) { $0.requiredAdapters[0].available = "True" },
    MarkChange(name: "Available became Unknown", moves: true) { $0.requiredAdapters[1].available = "Unknown" },
    MarkChange(name: "Finalized appeared", moves: true) { $0.requiredAdapters[0].finalized = "False" },
    MarkChange(name: "Finalized nil vs empty", moves: true) { $0.requiredAdapters[0].finalized = "" },
    MarkChange(name: "adapter set changed", moves: true) { $0.requiredAdapters.append(AdapterProgress(adapter: "zeta")) },
    MarkChange(name: "adapter renamed", moves: true) { $0.requiredAdapters[0].adapter = "dns2" },
    // Reports without progress must NOT reset the backoff, or a chatty adapter defeats it.
    MarkChange(name: "a report without progress (newest report time)", moves: false) { $0.newestReportTime = Fixture.at(99) },
    MarkChange(name: "status last updated time", moves: false) { $0.lastUpdatedTime = Fixture.at(99) },
    MarkChange(name: "adapter order", moves: false) { $0.requiredAdapters.reverse() },
    MarkChange(name: "any adapter reported flag", moves: false) { $0.anyAdapterReported = false },
]

@Suite("Progress mark")
struct ProgressMarkTests {
    @Test("moves on progress, stays on mere activity", arguments: markChanges)
    func reactsToChanges(_ change: MarkChange) {
        var changed = base
        change.apply(&changed)
        let moved = DecisionRules.progressMark(changed) != DecisionRules.progressMark(base)
        #expect(moved == change.moves)
    }

    @Test("is 16 lowercase hex digits and deterministic")
    func format() {
        let mark = DecisionRules.progressMark(base)
        #expect(mark.count == 16)
        #expect(mark.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(mark == DecisionRules.progressMark(base))
    }

    @Test("is stable across releases (stored marks would otherwise all reset)")
    func golden() {
        #expect(DecisionRules.progressMark(base) == "75cc90d8c0d69e0c")
    }

    @Test("field boundaries cannot shift between adapters")
    func boundaries() {
        var a = base
        a.requiredAdapters = [AdapterProgress(adapter: "ab", available: "c")]
        var b = base
        b.requiredAdapters = [AdapterProgress(adapter: "a", available: "bc")]
        #expect(DecisionRules.progressMark(a) != DecisionRules.progressMark(b))
    }

    @Test("the hash is standard FNV-1a 64")
    func fnvVectors() {
        var empty = FNV1a64()
        empty.add(bytes: [UInt8]())
        #expect(empty.hex == "cbf29ce484222325")
        var letter = FNV1a64()
        letter.add(bytes: Array("a".utf8))
        #expect(letter.hex == "af63dc4c8601ec8c")
        var word = FNV1a64()
        word.add(bytes: Array("foobar".utf8))
        #expect(word.hex == "85944171f73967e8")
    }
}
