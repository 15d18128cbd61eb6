import Foundation
import Testing
@testable import SentinelCore

@Suite("Instant and microsecond arithmetic")
struct InstantTests {
    @Test("adds and subtracts durations in whole microseconds")
    func arithmetic() {
        let start = Instant(microseconds: 1_000_000)
        #expect((start + .milliseconds(1500)).microseconds == 2_500_000)
        #expect((start - .seconds(2)).microseconds == -1_000_000)
        #expect(Instant(microseconds: 5_000_000) - start == .seconds(4))
        #expect(start - Instant(microseconds: 5_000_000) == .seconds(-4))
        var moving = start
        moving += .microseconds(7)
        #expect(moving.microseconds == 1_000_007)
        // Sub-microsecond parts are dropped, never rounded up past a threshold.
        #expect((start + .nanoseconds(999)).microseconds == 1_000_000)
    }

    @Test("orders by time")
    func ordering() {
        #expect(Instant(microseconds: 1) < Instant(microseconds: 2))
        #expect(max(Instant(microseconds: 3), Instant(microseconds: -3)) == Instant(microseconds: 3))
        #expect(Instant.epoch.microseconds == 0)
    }

    @Test("saturates instead of trapping")
    func saturation() {
        let late = Instant(microseconds: .max - 1)
        #expect((late + .seconds(10)).microseconds == .max)
        #expect((Instant(microseconds: .min + 1) - .seconds(10)).microseconds == .min)
        #expect(Microseconds.of(.seconds(Int64.max)) == .max)
        #expect(Microseconds.of(.seconds(Int64.min)) == .min)
        #expect(Microseconds.multiply(.max, 2) == .max)
        #expect(Microseconds.multiply(.min, 2) == .min)
        #expect(Microseconds.clamped(.nan) == 0)
        #expect(Microseconds.clamped(1e30) == .max)
    }

    @Test("round-trips through Date at microsecond precision")
    func dates() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let instant = Instant(date)
        #expect(instant.microseconds == 1_700_000_000_123_456)
        #expect(abs(instant.date.timeIntervalSince(date)) < 1e-6)
        #expect(Instant(Date(timeIntervalSince1970: 0)) == .epoch)
    }

    @Test("renders readable seconds")
    func description() {
        #expect(Instant(microseconds: 12_500_000).description == "@12.5s")
        #expect(Microseconds.format(1_990_000_000) == "1990s")
        #expect(Microseconds.format(-1_500) == "-0.0015s")
    }
}
