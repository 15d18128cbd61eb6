import Testing
@testable import SentinelCore
import Timing

@Suite("Backoff and jitter")
struct BackoffTests {
    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    @Test("jitter stays in [0.9, 1.1] over 10,000 (id, n) pairs and spreads across the range")
    func jitterBounds() {
        var values: [Double] = []
        values.reserveCapacity(10_000)
        for resource in 0..<1_000 {
            for attempt in 1...10 {
                values.append(DecisionRules.jitter(resourceID: "cluster-\(resource)", attempt: attempt))
            }
        }
        #expect(values.count == 10_000)
        #expect(values.allSatisfy { $0 >= 0.9 && $0 <= 1.1 })
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 1.0) < 0.005)
        #expect(values.min()! < 0.901)
        #expect(values.max()! > 1.099)
        // Roughly uniform: each fifth of the range holds about 2,000 values.
        var buckets = [Int](repeating: 0, count: 5)
        for value in values { buckets[min(4, Int((value - 0.9) / 0.04))] += 1 }
        #expect(buckets.allSatisfy { (1_700...2_300).contains($0) }, "buckets \(buckets)")
    }

    @Test("jitter is deterministic and depends on both the id and the attempt")
    func jitterDeterministic() {
        let a = DecisionRules.jitter(resourceID: "c-1", attempt: 3)
        #expect(a == DecisionRules.jitter(resourceID: "c-1", attempt: 3))
        #expect(a != DecisionRules.jitter(resourceID: "c-2", attempt: 3))
        #expect(a != DecisionRules.jitter(resourceID: "c-1", attempt: 4))
    }

    @Test("NotReady backoff grows 10, 20, 40, ..., capped at 300 s, within jitter")
    func notReadyGrowth() {
        let expected: [Double] = [10, 20, 40, 80, 160, 300, 300, 300, 300, 300]
        for (index, nominal) in expected.enumerated() {
            let n = index + 1
            let delay = DecisionRules.backoff(attempts: n, base: .seconds(10), max: .seconds(300), resourceID: Fixture.id)
            let jitter = DecisionRules.jitter(resourceID: Fixture.id, attempt: n)
            #expect(seconds(delay) >= nominal * 0.9 && seconds(delay) <= nominal * 1.1, "n=\(n): \(delay)")
            // Exactly the documented formula, rounded to whole microseconds.
            #expect(Microseconds.of(delay) == Int64((nominal * 1_000_000 * jitter).rounded()))
        }
    }

    @Test("Failed backoff grows 30 s, 60 s, ... capped at 30 min")
    func failedGrowth() {
        let expected: [Double] = [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]
        for (index, nominal) in expected.enumerated() {
            let delay = DecisionRules.backoff(attempts: index + 1, base: .seconds(30), max: .seconds(1800), resourceID: "f")
            #expect(seconds(delay) >= nominal * 0.9 && seconds(delay) <= nominal * 1.1, "n=\(index + 1)")
        }
    }

    @Test("no backoff before the first attempt", arguments: [0, -1, Int.min])
    func zeroAttempts(_ n: Int) {
        #expect(DecisionRules.backoff(attempts: n, base: .seconds(10), max: .seconds(300), resourceID: "x") == .zero)
    }

    @Test("huge attempt counts and durations saturate instead of overflowing")
    func saturates() {
        let capped = DecisionRules.backoff(attempts: Int.max, base: .seconds(10), max: .seconds(300), resourceID: "x")
        #expect(seconds(capped) >= 270 && seconds(capped) <= 330)
        let enormous = DecisionRules.backoff(attempts: 200, base: .seconds(1), max: .seconds(Int64.max), resourceID: "x")
        #expect(enormous > .seconds(1_000_000_000))
    }
}
