import Testing
@testable import Timing

@Suite("Capped exponential backoff")
struct BackoffTests {
    @Test("doubles from the base and stops at the cap")
    func growth() {
        let backoff = Backoff(base: .milliseconds(100), max: .seconds(5))
        let delays = (1...9).map { backoff.delay(attempt: $0) }
        #expect(delays == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
            .milliseconds(3200), .seconds(5), .seconds(5), .seconds(5),
        ])
    }

    @Test("no delay before the first attempt", arguments: [0, -1, Int.min])
    func zeroAttempts(_ n: Int) {
        #expect(Backoff(base: .seconds(1), max: .seconds(10)).delay(attempt: n) == .zero)
    }

    @Test("a base above the cap gives the cap")
    func baseAboveCap() {
        #expect(Backoff(base: .seconds(30), max: .seconds(10)).delay(attempt: 1) == .seconds(10))
    }

    @Test("jitter scales the capped delay, rounded to whole microseconds")
    func jitter() {
        let backoff = Backoff(base: .seconds(10), max: .seconds(300))
        #expect(backoff.delay(attempt: 2, jitter: 1.1) == .seconds(22))
        #expect(backoff.delay(attempt: 9, jitter: 0.9) == .seconds(270))
        #expect(Backoff(base: .microseconds(3), max: .seconds(1)).delay(attempt: 1, jitter: 0.5) == .microseconds(2))
    }

    @Test("huge attempt counts and durations saturate instead of overflowing")
    func saturates() {
        #expect(Backoff(base: .seconds(10), max: .seconds(300)).delay(attempt: Int.max) == .seconds(300))
        #expect(Backoff(base: .seconds(1), max: .seconds(Int64.max)).delay(attempt: 200) == .microseconds(Int64.max))
        #expect(Backoff.cappedExponential(attempts: 70, base: 1, max: .max) == .max)
        #expect(Backoff.cappedExponential(attempts: 3, base: 0, max: 100) == 0)
        #expect(Backoff.cappedExponential(attempts: 1, base: 500, max: 100) == 100)
    }
}
