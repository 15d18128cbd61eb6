import Foundation
import HyperFleetJSON
import Testing
@testable import HyperFleetModel

@Suite struct TimestampTests {
    /// 2026-11-25T10:00:00Z
    static let reference = Timestamp(microsecondsSinceEpoch: 1_795_600_800_000_000)

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (1_795_600_800_123_456, "2026-11-25T10:00:00.123456Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
        (951_782_400_000_000, "2000-02-29T00:00:00.000000Z"),
        (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
        (-62_135_596_800_000_000, "0001-01-01T00:00:00.000000Z"),
        (-62_167_219_200_000_000, "0000-01-01T00:00:00.000000Z"),
    ])
    func formatsRFC3339(micros: Int64, expected: String) {
        #expect(Timestamp(microsecondsSinceEpoch: micros).rfc3339 == expected)
        #expect(Timestamp.parseRFC3339(expected)?.microsecondsSinceEpoch == micros)
    }

    /// Years outside 0-9999 keep the general form (sign, more digits).
    @Test func formatsYearsBeyondFourDigits() {
        #expect(Timestamp(microsecondsSinceEpoch: 253_402_300_800_000_000).rfc3339 == "10000-01-01T00:00:00.000000Z")
        #expect(Timestamp(microsecondsSinceEpoch: -62_198_755_200_000_000).rfc3339 == "-0001-01-01T00:00:00.000000Z")
    }

    /// The fixed-width fast path writes what a plain printf of the civil fields would.
    @Test func formatsLikePrintfAcrossTheRange() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let micros = Int64.random(in: -62_167_219_200_000_000...253_402_300_799_999_999, using: &generator)
            let stamp = Timestamp(microsecondsSinceEpoch: micros)
            let seconds = stamp.secondsSinceEpoch
            let date = CivilDate(daysSinceEpoch: Timestamp.floorDivide(seconds, 86_400))
            let secondOfDay = seconds - Timestamp.floorDivide(seconds, 86_400) * 86_400
            let expected = String(
                format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ", date.year, date.month, date.day,
                secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60, micros - seconds * 1_000_000)
            #expect(stamp.rfc3339 == expected)
        }
    }

    @Test(arguments: [
        ("2026-11-25T10:00:00Z", Int64(0)),
        ("2026-11-25t10:00:00z", 0),
        ("2026-11-25T10:00:00.5Z", 500_000),
        ("2026-11-25T10:00:00.123456789Z", 123_456),
        ("2026-11-25T10:00:00.000001Z", 1),
        ("2026-11-25T12:30:00+02:30", 0),
        ("2026-11-25T05:00:00-05:00", 0),
        ("2026-11-25T10:00:00+00:00", 0),
        ("2026-11-25T10:00:00-00:00", 0),
        ("2026-11-26T09:59:00+23:59", 0),
    ])
    func parsesRFC3339Offsets(text: String, microsAfterReference: Int64) {
        let parsed = Timestamp.parseRFC3339(text)
        #expect(parsed?.microsecondsSinceEpoch == Self.reference.microsecondsSinceEpoch + microsAfterReference)
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+01:60", "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+01",
        "26-01-01T00:00:00Z", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00Zjunk", "", "now",
        "2026-01-01T00:00:00,5Z", "２０２６-01-01T00:00:00Z",
    ])
    func rejectsInvalidRFC3339(text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil)
    }

    @Test func acceptsLeapDayInLeapYears() {
        #expect(Timestamp.parseRFC3339("2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp.parseRFC3339("2000-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: [
        ("2026-11-25 10:00:00.123456+00", Int64(123_456)),
        ("2026-11-25 10:00:00+00", 0),
        ("2026-11-25 10:00:00.5+00:00", 500_000),
        ("2026-11-25 15:30:00+05:30", 0),
        ("2026-11-25 04:30:00-05:30", 0),
        ("2026-11-25 10:05:28+00:05:28", 0),
        ("2026-11-25T10:00:00.000001Z", 1),
    ])
    func parsesPostgresOutput(text: String, microsAfterReference: Int64) {
        #expect(Timestamp.parsePostgres(text)?.microsecondsSinceEpoch == Self.reference.microsecondsSinceEpoch + microsAfterReference)
    }

    @Test(arguments: [
        "2026-11-25 10:00:00", "2026-11-25 10:00:00+0", "2026-11-25 10:00:00+00:6", "infinity",
        "2026-02-30 10:00:00+00", "2026-11-25 10:00:00.+00", "2026-11-25 10:00:00+00 BC",
    ])
    func rejectsInvalidPostgres(text: String) {
        #expect(Timestamp.parsePostgres(text) == nil)
    }

    @Test func civilDateRoundTripsOverManyDays() {
        // Every day over ~1200 years both ways, including all century and leap-year edges.
        var mismatches: [Int64] = []
        var previous = CivilDate(daysSinceEpoch: -250_001)
        for days in Int64(-250_000)...Int64(200_000) {
            let date = CivilDate(daysSinceEpoch: days)
            let consecutive = previous.month == date.month ? date.day == previous.day + 1 : date.day == 1
            if date.daysSinceEpoch != days || !consecutive { mismatches.append(days) }
            previous = date
        }
        #expect(mismatches.isEmpty, "first mismatching days: \(mismatches.prefix(5))")
        #expect(CivilDate(daysSinceEpoch: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(year: 2026, month: 11, day: 25).daysSinceEpoch == 20_782)
    }

    @Test func nowIsCloseToFoundationDate() {
        let now = Timestamp.now()
        let foundation = Date().timeIntervalSince1970
        #expect(abs(Double(now.microsecondsSinceEpoch) / 1_000_000 - foundation) < 5)
        #expect(now.rfc3339.hasSuffix("Z"))
        #expect(now.rfc3339.count == 27)
    }

    @Test func addingAndComparing() {
        let base = Self.reference
        #expect(base.adding(seconds: 1.5).microsecondsSinceEpoch == base.microsecondsSinceEpoch + 1_500_000)
        #expect(base.adding(seconds: -300) < base)
        #expect(base.adding(seconds: 0.000_000_4) == base)
        #expect(base.adding(seconds: 0.000_001) > base)
    }

    @Test func codableAsString() throws {
        let value = Timestamp(microsecondsSinceEpoch: 1_795_600_800_123_456)
        let bytes = try JSONCoding.encode([value])
        #expect(String(decoding: bytes, as: UTF8.self) == "[\"2026-11-25T10:00:00.123456Z\"]")
        #expect(try JSONCoding.decode([Timestamp].self, from: Array("[\"2026-11-25T11:00:00.123456+01:00\"]".utf8)) == [value])
        #expect(throws: DecodingError.self) {
            try JSONCoding.decode([Timestamp].self, from: Array("[\"2026-02-30T00:00:00Z\"]".utf8))
        }
    }
}
