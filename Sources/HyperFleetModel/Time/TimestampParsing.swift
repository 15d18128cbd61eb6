extension Timestamp {
    /// RFC 3339 with any offset (Z, z, +hh:mm, -hh:mm), optional fraction (up to 9 digits, truncated to µs),
    /// 'T' or 't' separator. Rejects out-of-range fields (month 13, Feb 30, hour 24...).
    public static func parseRFC3339(_ s: String) -> Timestamp? {
        var text = s
        return text.withUTF8 { parseRFC3339(DigitScanner($0)) }
    }

    /// PostgreSQL text output with DateStyle=ISO, TimeZone=UTC: "2026-11-25 10:00:00.123456+00"
    /// (fraction optional, offset "+00" or "+00:00" or "+05:30"), and also accepts RFC 3339.
    public static func parsePostgres(_ s: String) -> Timestamp? {
        var text = s
        return text.withUTF8 { bytes in
            parseRFC3339(DigitScanner(bytes)) ?? parsePostgresForm(DigitScanner(bytes))
        }
    }

    private static func parseRFC3339(_ scanner: DigitScanner) -> Timestamp? {
        var scanner = scanner
        guard let local = scanner.scanDateTime(separator: UInt8(ascii: "T"), or: UInt8(ascii: "t")) else { return nil }
        let offsetSeconds: Int64
        if scanner.consume(UInt8(ascii: "Z")) || scanner.consume(UInt8(ascii: "z")) {
            offsetSeconds = 0
        } else {
            guard let sign = scanner.scanSign(),
                  let hours = scanner.scanNumber(digits: 2), hours <= 23,
                  scanner.consume(UInt8(ascii: ":")),
                  let minutes = scanner.scanNumber(digits: 2), minutes <= 59 else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        guard scanner.isAtEnd else { return nil }
        return local.instant(offsetSeconds: offsetSeconds)
    }

    private static func parsePostgresForm(_ scanner: DigitScanner) -> Timestamp? {
        var scanner = scanner
        guard let local = scanner.scanDateTime(separator: UInt8(ascii: " ")),
              let sign = scanner.scanSign(),
              let hours = scanner.scanNumber(digits: 2), hours <= 23 else { return nil }
        var offsetSeconds = hours * 3600
        // PostgreSQL prints minutes (and, for historical zones, seconds) only when non-zero.
        if scanner.consume(UInt8(ascii: ":")) {
            guard let minutes = scanner.scanNumber(digits: 2), minutes <= 59 else { return nil }
            offsetSeconds += minutes * 60
            if scanner.consume(UInt8(ascii: ":")) {
                guard let seconds = scanner.scanNumber(digits: 2), seconds <= 59 else { return nil }
                offsetSeconds += seconds
            }
        }
        guard scanner.isAtEnd else { return nil }
        return local.instant(offsetSeconds: sign * offsetSeconds)
    }
}

/// A date and wall-clock time as written, before its offset is applied.
private struct LocalDateTime {
    var date: CivilDate
    var secondOfDay: Int64
    var microsecond: Int64

    func instant(offsetSeconds: Int64) -> Timestamp {
        let seconds = date.daysSinceEpoch * 86_400 + secondOfDay - offsetSeconds
        return Timestamp(microsecondsSinceEpoch: seconds * 1_000_000 + microsecond)
    }
}

/// Reads fixed-width ASCII fields from a string's UTF-8 bytes, in place (only inside `withUTF8`):
/// copying each timestamp's bytes into an array cost two allocations per value read from a row.
private struct DigitScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index == bytes.count }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// `+` -> 1, `-` -> -1, else nil.
    mutating func scanSign() -> Int64? {
        if consume(UInt8(ascii: "+")) { return 1 }
        if consume(UInt8(ascii: "-")) { return -1 }
        return nil
    }

    /// Exactly `digits` ASCII digits as a number.
    mutating func scanNumber(digits: Int) -> Int64? {
        guard index + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[index..<index + digits] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        index += digits
        return value
    }

    /// `YYYY-MM-DD<sep>HH:MM:SS[.fraction]` with every field range-checked; the fraction has 1...9
    /// digits and is truncated to microseconds.
    mutating func scanDateTime(separator: UInt8, or otherSeparator: UInt8? = nil) -> LocalDateTime? {
        guard let year = scanNumber(digits: 4), consume(UInt8(ascii: "-")),
              let month = scanNumber(digits: 2), (1...12).contains(month), consume(UInt8(ascii: "-")),
              let day = scanNumber(digits: 2), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month),
              consume(separator) || consume(otherSeparator ?? separator),  // (the same byte twice: no match)
              let hour = scanNumber(digits: 2), hour <= 23, consume(UInt8(ascii: ":")),
              let minute = scanNumber(digits: 2), minute <= 59, consume(UInt8(ascii: ":")),
              let second = scanNumber(digits: 2), second <= 59 else { return nil }
        var microsecond: Int64 = 0
        if consume(UInt8(ascii: ".")) {
            var count = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if count < 6 { microsecond = microsecond * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                count += 1
                index += 1
            }
            guard (1...9).contains(count) else { return nil }
            for _ in count..<max(count, 6) { microsecond *= 10 }
        }
        return LocalDateTime(date: CivilDate(year: year, month: month, day: day),
                             secondOfDay: hour * 3600 + minute * 60 + second,
                             microsecond: microsecond)
    }
}
