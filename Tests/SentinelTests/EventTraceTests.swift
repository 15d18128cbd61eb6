import HyperFleetTracing
@testable import Sentinel
import SentinelCore
import Testing

/// The change -> publish mapping of trace contexts, as a table, and the bound on remembered contexts.
@Suite("Sentinel: which trace an event continues")
struct EventTraceTests {
    @Test func rulesMapToTheChangeTheyComeFrom() {
        let table: [(Reason, Int, EventTrace)] = [
            (.created, 0, .takenChange), (.generationChanged, 3, .takenChange), (.deleted, 1, .takenChange), (.requested, 5, .takenChange),
            (.notReadyBackoff, 0, .progressChange), (.failedBackoff, 0, .progressChange),
            (.notReadyBackoff, 1, .none), (.failedBackoff, 4, .none), (.readyStale, 0, .none), (.readyStale, 2, .none),
        ]
        for (reason, attempts, expected) in table {
            #expect(EventTrace(reason, attemptsBefore: attempts) == expected, "\(reason) after \(attempts) attempts")
        }
        #expect(Set(table.map(\.0.rawValue)) == Set(Reason.allCases.map(\.rawValue)), "every rule is in the table")
    }

    @Test func rememberedContextsAreTakenOnceAndBounded() {
        let traces = ProgressTraces(capacity: 10)
        let headers = { (n: Int) in TraceHeaders(traceparent: "00-\(String(repeating: "a", count: 31))\(n % 10)-00f067aa0ba902b7-01") }
        traces.remember(.clusters, "one", headers(1))
        #expect(traces.take(.nodepools, "one") == nil, "per resource type")
        #expect(traces.take(.clusters, "one") == headers(1))
        #expect(traces.take(.clusters, "one") == nil, "taken once")

        for n in 0..<11 { traces.remember(.clusters, "r\(n)", headers(n)) }
        #expect(traces.count <= 10)
        #expect(traces.take(.clusters, "r10") == headers(10), "the newest stays")
        #expect(traces.take(.clusters, "r0") == nil, "the oldest goes first")
    }
}
