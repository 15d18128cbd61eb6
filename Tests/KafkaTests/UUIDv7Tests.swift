import Foundation
import Kafka
import Testing

@Suite("UUIDv7")
struct UUIDv7Tests {
    @Test("format: lowercase 8-4-4-4-12, version 7, variant 10, timestamp prefix")
    func format() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000.123)
        let id = UUIDv7.generate(now: now)
        #expect(id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil, "\(id)")
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        #expect(UInt64(hex, radix: 16) == 1_700_000_000_123)
        #expect(UUID(uuidString: id) != nil)
    }

    @Test("ids sort in creation order, even within one millisecond")
    func ordering() {
        let fixed = Date(timeIntervalSince1970: 1_900_000_000)
        let sameMillisecond = (0..<3000).map { _ in UUIDv7.generate(now: fixed) }
        #expect(sameMillisecond == sameMillisecond.sorted(), "counter keeps one millisecond's ids ordered")
        #expect(Set(sameMillisecond).count == 3000)
        #expect(sameMillisecond.last?.hasPrefix("01ba60d3-38") == true, "counter overflow borrows only the next ms")

        let increasing = (0..<200).map { UUIDv7.generate(now: Date(timeIntervalSince1970: 1_950_000_000 + Double($0) / 100)) }
        #expect(increasing == increasing.sorted())

        let live = (0..<1000).map { _ in UUIDv7.generate() }
        #expect(live == live.sorted())
        #expect(Set(live).count == 1000)
    }
}
