import Foundation

/// A UTC instant with microsecond precision (what PostgreSQL `timestamptz` stores).
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSinceEpoch: Int64

    /// Creates a timestamp from microseconds since the Unix epoch.
    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// The current wall-clock time, truncated to microseconds.
    public static func now() -> Timestamp {
        Timestamp(date: Date())
    }

    /// The instant of a Foundation `Date`, truncated to microseconds.
    public init(date: Date) {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded(.down)
        self.init(microsecondsSinceEpoch: Int64(micros))
    }

    /// This instant as a Foundation `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: Double(microsecondsSinceEpoch) / 1_000_000)
    }

    /// This instant moved by `seconds` (may be negative), rounded to the nearest microsecond.
    public func adding(seconds: Double) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: microsecondsSinceEpoch + Int64((seconds * 1_000_000).rounded()))
    }

    /// Whole seconds since the epoch (rounded down, also for instants before 1970).
    public var secondsSinceEpoch: Int64 {
        Self.floorDivide(microsecondsSinceEpoch, 1_000_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// `2026-11-25T10:00:00.123456Z`: UTC, always six fraction digits.
    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the `rfc3339` text to `bytes` (response bodies write it without a String).
    public func appendRFC3339(to bytes: inout [UInt8]) {
        let seconds = secondsSinceEpoch
        let micros = microsecondsSinceEpoch - seconds * 1_000_000
        let days = Self.floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let date = CivilDate(daysSinceEpoch: days)
        func digits(_ value: Int64, _ width: Int) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            let magnitude = value.magnitude
            var divisor: UInt64 = 1
            for _ in 1..<width { divisor *= 10 }
            // Years past 9999 keep all their digits.
            while magnitude / divisor >= 10 { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
                divisor /= 10
            }
        }
        digits(date.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(date.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(date.day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 3600 / 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(micros, 6)
        bytes.append(UInt8(ascii: "Z"))
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient
    }
}

extension Timestamp: CustomStringConvertible {
    public var description: String { rfc3339 }
}

// Codable as its RFC 3339 string, so API bodies and stored JSON carry the same text.
// Decoding also accepts the PostgreSQL text form (see `parsePostgres`).
extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        // PostgreSQL's own text form is accepted too, so rows decoded straight from SQL text work.
        guard let parsed = Timestamp.parsePostgres(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an RFC 3339 time")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}
