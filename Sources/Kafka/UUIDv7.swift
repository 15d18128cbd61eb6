import Foundation
import Synchronization

/// RFC 9562 version 7 UUIDs: 48-bit Unix milliseconds, then randomness; they sort by creation time.
public enum UUIDv7 {
    /// Recently used milliseconds and the last 12-bit counter handed out in each, so ids created in the
    /// same millisecond keep increasing even when callers interleave different `now` values.
    private static let counters = Mutex<[UInt64: UInt16]>([:])
    private static let rememberedMilliseconds = 256

    /// Returns a lowercase, hyphenated UUIDv7 for `now`; ids from this process sort in `now` order, and ids
    /// for the same millisecond sort in creation order.
    public static func generate(now: Date = Date()) -> String {
        var random = SystemRandomNumberGenerator()
        let requested = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded(.down)))
        let (milliseconds, counter) = counters.withLock { counters -> (UInt64, UInt16) in
            var milliseconds = requested
            while let last = counters[milliseconds], last >= 0xFFF {
                milliseconds += 1  // counter exhausted: borrow the next millisecond (RFC 9562 6.2)
            }
            // Start a fresh millisecond at a random counter below the midpoint, leaving room to count up.
            let counter = counters[milliseconds].map { $0 + 1 } ?? UInt16.random(in: 0..<0x800, using: &random)
            counters[milliseconds] = counter
            if counters.count > rememberedMilliseconds, let oldest = counters.keys.min() {
                counters.removeValue(forKey: oldest)
            }
            return (milliseconds, counter)
        }

        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(index))) }
        bytes[6] = 0x70 | UInt8(counter >> 8)  // version 7 + high counter bits
        bytes[7] = UInt8(truncatingIfNeeded: counter)
        let tail = random.next() as UInt64
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * UInt64(15 - index))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 4122/9562 variant 10

        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}
