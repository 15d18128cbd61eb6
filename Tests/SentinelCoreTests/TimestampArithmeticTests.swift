import HyperFleetModel
import Testing
import SentinelCore

@Suite("Timestamp arithmetic with durations")
struct TimestampArithmeticTests {
    @Test("adds and subtracts durations in whole microseconds")
    func arithmetic() {
        let start = Timestamp(microsecondsSinceEpoch: 1_000_000)
        #expect((start + .milliseconds(1500)).microsecondsSinceEpoch == 2_500_000)
        #expect((start - .seconds(2)).microsecondsSinceEpoch == -1_000_000)
        #expect(Timestamp(microsecondsSinceEpoch: 5_000_000) - start == .seconds(4))
        #expect(start - Timestamp(microsecondsSinceEpoch: 5_000_000) == .seconds(-4))
        var moving = start
        moving += .microseconds(7)
        #expect(moving.microsecondsSinceEpoch == 1_000_007)
        // Sub-microsecond parts are dropped, never rounded up past a threshold.
        #expect((start + .nanoseconds(999)).microsecondsSinceEpoch == 1_000_000)
    }

    @Test("saturates instead of trapping")
    func saturation() {
        let late = Timestamp(microsecondsSinceEpoch: .max - 1)
        #expect((late + .seconds(10)).microsecondsSinceEpoch == .max)
        #expect((Timestamp(microsecondsSinceEpoch: .min + 1) - .seconds(10)).microsecondsSinceEpoch == .min)
        #expect(Timestamp(microsecondsSinceEpoch: .max) - Timestamp(microsecondsSinceEpoch: .min) == .microseconds(Int64.max))
    }
}
