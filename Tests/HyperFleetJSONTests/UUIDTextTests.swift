import Foundation
import HyperFleetJSON
import Testing

@Suite struct UUIDTextTests {
    @Test func writesBothWordsInTheUUIDLayout() {
        #expect(UUIDText.format(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210) == "01234567-89ab-cdef-fedc-ba9876543210")
        #expect(UUIDText.format(high: 0, low: 0) == "00000000-0000-0000-0000-000000000000")
        #expect(UUIDText.format(high: .max, low: .max) == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    @Test func agreesWithFoundationsParser() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
            let text = UUIDText.format(high: high, low: low)
            let parsed = try? #require(UUID(uuidString: text)).uuid
            let bytes = parsed.map { withUnsafeBytes(of: $0) { Array($0) } } ?? []
            let expected = (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
            #expect(bytes == expected, "\(text)")
        }
    }
}
