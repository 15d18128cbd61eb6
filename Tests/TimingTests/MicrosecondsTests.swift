import Testing
import Timing

@Suite("Saturating microsecond arithmetic")
struct MicrosecondsTests {
    @Test("converts durations, truncating toward zero")
    func conversion() {
        #expect(Microseconds.of(.milliseconds(1500)) == 1_500_000)
        #expect(Microseconds.of(.nanoseconds(999)) == 0)
        #expect(Microseconds.of(.nanoseconds(-1999)) == -1)
    }

    @Test("saturates instead of trapping")
    func saturation() {
        #expect(Microseconds.of(.seconds(Int64.max)) == .max)
        #expect(Microseconds.of(.seconds(Int64.min)) == .min)
        #expect(Microseconds.add(.max, 1) == .max)
        #expect(Microseconds.subtract(.min, 1) == .min)
        #expect(Microseconds.multiply(.max, 2) == .max)
        #expect(Microseconds.multiply(.min, 2) == .min)
        #expect(Microseconds.clamped(.nan) == 0)
        #expect(Microseconds.clamped(1e30) == .max)
        #expect(Microseconds.clamped(-1e30) == .min)
    }

    @Test("renders readable seconds")
    func format() {
        #expect(Microseconds.format(12_500_000) == "12.5s")
        #expect(Microseconds.format(1_990_000_000) == "1990s")
        #expect(Microseconds.format(-1_500) == "-0.0015s")
    }
}
