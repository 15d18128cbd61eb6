import Foundation
import HyperFleetJSON
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

        let high = (milliseconds << 16) | 0x7000 | UInt64(counter & 0xFFF)  // 48-bit time, version 7, 12-bit counter
        let low = ((random.next() as UInt64) & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // variant 10, 62 random bits
        return UUIDText.format(high: high, low: low)
    }
}
