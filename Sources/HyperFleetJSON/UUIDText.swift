/// 128 bits as the text of a UUID: 32 lowercase hex digits in the 8-4-4-4-12 layout, written into one
/// buffer (the API's operation ids and the Sentinel's UUIDv7 event ids; building a string per byte was
/// a visible part of both).
public enum UUIDText {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `high` then `low`, most significant nibble first.
    public static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = nibble < 16 ? high : low
                buffer[position] = digits[Int((word >> UInt64(60 - 4 * (nibble % 16))) & 0xF)]
                position += 1
            }
            return position
        }
    }
}
