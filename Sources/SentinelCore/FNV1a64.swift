/// Incremental 64-bit FNV-1a hash, used for the progress mark and the jitter seed.
///
/// Why our own: the mark is persisted, so it must be stable across processes, platforms and
/// Swift versions, which `Hasher` (randomly seeded per process) is not.
struct FNV1a64 {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    private(set) var value: UInt64 = FNV1a64.offsetBasis

    /// Mixes one byte.
    mutating func add(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* FNV1a64.prime
    }

    /// Mixes raw bytes.
    mutating func add<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes { add(byte: byte) }
    }

    /// Mixes an integer as 8 little-endian bytes.
    mutating func add(_ number: Int64) {
        var remaining = UInt64(bitPattern: number)
        for _ in 0..<8 {
            add(byte: UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }

    /// Mixes a string, length-prefixed so that field boundaries cannot shift ("ab","c" vs "a","bc").
    mutating func add(_ text: String) {
        add(Int64(text.utf8.count))
        add(bytes: text.utf8)
    }

    /// Mixes an optional integer with a presence tag so nil differs from every value.
    mutating func add(_ number: Int64?) {
        if let number { add(byte: 1); add(number) } else { add(byte: 0) }
    }

    /// Mixes an optional string with a presence tag so nil differs from "".
    mutating func add(_ text: String?) {
        if let text { add(byte: 1); add(text) } else { add(byte: 0) }
    }

    /// The hash as 16 lowercase hex digits.
    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A well-spread 64-bit value derived from the hash (SplitMix64 finaliser).
    ///
    /// Why: FNV-1a's output for inputs differing only in the last byte is poorly spread in the
    /// high bits, which the jitter uses.
    var mixed: UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
