import HyperFleetJSON
import Testing
@testable import HyperFleetModel

/// Randomized round trips with a fixed seed, so failures reproduce.
@Suite struct PropertyTests {
    static func randomValue(depth: Int, using generator: inout CountingGenerator) -> JSONValue {
        let choice = depth > 3 ? Int.random(in: 0..<5, using: &generator) : Int.random(in: 0..<7, using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ... .max, using: &generator))
        case 3:
            let bits = UInt64.random(in: .min ... .max, using: &generator)
            let number = Double(bitPattern: bits)
            return .double(number.isFinite ? number : 0.5)
        case 4: return .string(randomString(using: &generator))
        case 5: return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &generator) {
                members[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }

    static func randomString(using generator: inout CountingGenerator) -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{00}", "\u{1F}", "\u{7F}", "é",
                                      "中", "😀", "\u{2028}", "\u{FFFF}", "\u{10FFFF}"]
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0..<8, using: &generator) { text.append(pool.randomElement(using: &generator)!) }
        return String(text)
    }

    @Test func jsonSerializeParseRoundTrip() throws {
        var generator = CountingGenerator(state: 42)
        var mismatches: [String] = []
        for _ in 0..<2000 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let text = value.serialized()
            let parsed = try JSONValue.parse(text)
            if parsed != value || parsed.serialized() != text { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func jsonFoundationCodableRoundTrip() throws {
        var generator = CountingGenerator(state: 7)
        var mismatches: [String] = []
        for _ in 0..<1500 {
            let value = JSONValue.object(["v": Self.randomValue(depth: 0, using: &generator)])
            let decoded = try JSONCoding.decode(JSONValue.self, from: JSONCoding.encode(value))
            if decoded != value { mismatches.append(value.serialized()) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func timestampFormatParseRoundTrip() {
        var generator = CountingGenerator(state: 99)
        var mismatches: [Int64] = []
        for _ in 0..<5000 {
            // Years 0001...9999.
            let micros = Int64.random(in: -62_135_596_800_000_000...253_402_300_799_999_999, using: &generator)
            let text = Timestamp(microsecondsSinceEpoch: micros).rfc3339
            if Timestamp.parseRFC3339(text)?.microsecondsSinceEpoch != micros { mismatches.append(micros) }
            let postgres = text.replacingOccurrences("T", " ").replacingOccurrences("Z", "+00")
            if Timestamp.parsePostgres(postgres)?.microsecondsSinceEpoch != micros { mismatches.append(micros) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    @Test func timestampOrderMatchesTextOrder() {
        var generator = CountingGenerator(state: 5)
        let stamps = (0..<500).map { _ in Timestamp(microsecondsSinceEpoch: Int64.random(in: 0...4_000_000_000_000_000, using: &generator)) }
        #expect(stamps.sorted().map(\.rfc3339) == stamps.map(\.rfc3339).sorted())
    }
}

@Suite struct MoreEdgeTests {
    @Test(arguments: ["\u{0C}1", "1\u{0B}", "\u{A0}1", "[1,\u{0C}2]"])
    func onlyFourWhitespaceCharacters(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func integralDoubleGenerationAccepted() throws {
        let text = "{\"adapter\":\"dns\",\"observed_generation\":2.0,\"observed_time\":\"2026-11-25T10:00:00Z\",\"conditions\":[]}"
        let report = try #require(success(RequestValidation.statusReport(body(text), now: at(0))))
        #expect(report.observedGeneration == 2)
    }

    @Test func timestampDecodesPostgresText() throws {
        let decoded = try JSONCoding.decode([Timestamp].self, from: body("[\"2026-11-25 10:00:00.5+00\"]"))
        #expect(decoded == [at(0.5)])
    }

    @Test func ridiculousTimesAreRejectedNotCrashing() {
        #expect(Timestamp.parseRFC3339("9999-12-31T23:59:59.999999-23:59") != nil)
        #expect(Timestamp.parseRFC3339("0000-01-01T00:00:00Z") != nil)
        #expect(Timestamp.parsePostgres("99999-01-01 00:00:00+00") == nil)
    }

    @Test func idForPreEpochOrFarFutureTimeIsStillWellFormed() {
        #expect(ResourceID.isWellFormed(ResourceID.generate(at: Timestamp(microsecondsSinceEpoch: -5_000_000))))
        #expect(ResourceID.isWellFormed(ResourceID.generate(at: Timestamp(microsecondsSinceEpoch: Int64.max))))
    }

    @Test func apiErrorDescriptionIsReadable() {
        let error = APIError(.validation, "invalid", details: [FieldError(field: "name", error: "too short")])
        #expect(error.description == "hyperfleet-8 (400): invalid [name: too short]")
    }

    @Test func hugeBodyOfManyKeysParses() throws {
        let members = (0..<5000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let value = try JSONValue.parse("{" + members + "}")
        #expect(value.objectValue?.count == 5000)
        #expect(value.objectValue?["k4999"] == .int(4999))
    }
}
