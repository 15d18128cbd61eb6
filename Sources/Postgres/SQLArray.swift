/// PostgreSQL array literals for binding lists as one text parameter (`$1::text[]`), so a batch is
/// one statement whatever its size. Every element is quoted and escaped; nil is NULL. Works on UTF-8
/// bytes: per-Character escaping was the Sentinel look's largest client cost (benchmarks/SENTINEL-RESULTS.md).
public enum SQLArray {
    public static func literal(_ values: [String?]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(values.count * 36 + 2)
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let value else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func literal(_ values: [String]) -> String { literal(values.map(Optional.some)) }
}
