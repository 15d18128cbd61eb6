/// Server-made resource ids: time-ordered, DNS-label safe.
public enum ResourceID {
    /// The base32hex alphabet (RFC 4648 §7), lowercase; it keeps byte order, so ids sort by time.
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuv".utf8)

    /// 20 bytes = 4-byte big-endian Unix seconds + 16 random bytes, lowercase base32hex, no padding: 32 chars.
    public static func generate(at time: Timestamp = .now()) -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(at: time, using: &generator)
    }

    /// Same as `generate(at:)` with a caller-chosen random source (for deterministic tests).
    public static func generate<Generator: RandomNumberGenerator>(at time: Timestamp, using generator: inout Generator) -> String {
        // Clamp so instants outside 1970...2106 still produce a well-formed id.
        let seconds = UInt32(clamping: time.secondsSinceEpoch)
        var bytes: [UInt8] = [
            UInt8(truncatingIfNeeded: seconds >> 24), UInt8(truncatingIfNeeded: seconds >> 16),
            UInt8(truncatingIfNeeded: seconds >> 8), UInt8(truncatingIfNeeded: seconds),
        ]
        for _ in 0..<16 { bytes.append(UInt8.random(in: .min ... .max, using: &generator)) }
        return encodeBase32Hex(bytes)
    }

    /// ^[0-9a-v]{32}$
    public static func isWellFormed(_ id: String) -> Bool {
        // (Every GET checks its id: ranges, not a search of the alphabet, and no copy of the bytes.)
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        let letters = UInt8(ascii: "a")...UInt8(ascii: "v")
        return id.utf8.count == 32 && id.utf8.allSatisfy { digits.contains($0) || letters.contains($0) }
    }

    /// The Unix second embedded in a well-formed id, or nil.
    public static func creationSecond(of id: String) -> Int64? {
        guard isWellFormed(id) else { return nil }
        // The first 32 bits are the first 6.4 characters: decode 7 characters (35 bits) and drop 3.
        var bits: UInt64 = 0
        for byte in id.utf8.prefix(7) {
            bits = bits << 5 | UInt64(alphabet.firstIndex(of: byte)!) // well-formed, so always found
        }
        return Int64(bits >> 3)
    }

    /// Lowercase base32hex without padding; 20 bytes make exactly 32 characters.
    static func encodeBase32Hex(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bitCount = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bitCount += 8
            while bitCount >= 5 {
                bitCount -= 5
                output.append(alphabet[Int((buffer >> UInt32(bitCount)) & 0x1F)])
            }
        }
        if bitCount > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bitCount)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
