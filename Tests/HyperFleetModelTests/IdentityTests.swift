import HyperFleetJSON
import Testing
@testable import HyperFleetModel

/// A deterministic random source for reproducible ids.
struct CountingGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}

@Suite struct ResourceIDTests {
    @Test func generatedIdsAreWellFormedAndUnique() {
        var seen: Set<String> = []
        for _ in 0..<2000 {
            let id = ResourceID.generate()
            #expect(id.count == 32)
            #expect(ResourceID.isWellFormed(id))
            seen.insert(id)
        }
        #expect(seen.count == 2000)
    }

    @Test func embedsCreationSecond() {
        let time = Timestamp(microsecondsSinceEpoch: 1_795_600_800_654_321)
        let id = ResourceID.generate(at: time)
        #expect(ResourceID.creationSecond(of: id) == 1_795_600_800)
        #expect(ResourceID.creationSecond(of: "not-an-id") == nil)
    }

    @Test func sortsByCreationTimeAcrossSeconds() {
        var generator = CountingGenerator(state: 7)
        var ids: [String] = []
        // Later seconds must sort later, whatever the random tail.
        for second in stride(from: Int64(0), to: 4_000_000_000, by: 99_999_989) {
            ids.append(ResourceID.generate(at: Timestamp(microsecondsSinceEpoch: second * 1_000_000), using: &generator))
        }
        #expect(ids == ids.sorted())
        let a = ResourceID.generate(at: Timestamp(microsecondsSinceEpoch: 1_795_600_800_999_999), using: &generator)
        let b = ResourceID.generate(at: Timestamp(microsecondsSinceEpoch: 1_795_600_801_000_000), using: &generator)
        #expect(a < b)
    }

    @Test func base32HexKnownVectors() {
        // RFC 4648 test vectors for base32hex, lowercased, without padding.
        #expect(ResourceID.encodeBase32Hex(Array("f".utf8)) == "co")
        #expect(ResourceID.encodeBase32Hex(Array("fo".utf8)) == "cpng")
        #expect(ResourceID.encodeBase32Hex(Array("foobar".utf8)) == "cpnmuoj1e8")
        #expect(ResourceID.encodeBase32Hex([UInt8](repeating: 0, count: 20)) == String(repeating: "0", count: 32))
        #expect(ResourceID.encodeBase32Hex([UInt8](repeating: 255, count: 20)) == String(repeating: "v", count: 32))
    }

    @Test(arguments: [
        ("0123456789abcdefghijklmnopqrstuv", true),
        (String(repeating: "0", count: 32), true),
        (String(repeating: "0", count: 31), false),
        (String(repeating: "0", count: 33), false),
        ("0123456789abcdefghijklmnopqrstuw", false),
        ("0123456789ABCDEFGHIJKLMNOPQRSTUV", false),
        ("", false),
        ("0123456789abcdefghijklmnopqrst-v", false),
    ])
    func wellFormedness(id: String, valid: Bool) {
        #expect(ResourceID.isWellFormed(id) == valid)
    }
}

@Suite struct NameTests {
    @Test(arguments: [
        ("abc", true), ("a-b", true), ("0ab", true), ("my-cluster-1", true), (String(repeating: "a", count: 63), true),
        ("ab", false), (String(repeating: "a", count: 64), false), ("-ab", false), ("ab-", false), ("aBc", false),
        ("a_b", false), ("a.b", false), ("a b", false), ("", false), ("ééé", false),
    ])
    func resourceNames(name: String, valid: Bool) {
        #expect(Names.isValidResourceName(name) == valid)
        #expect((Names.resourceNameProblem(name) == nil) == valid)
    }

    @Test(arguments: [
        ("team", nil), ("Team_1.x-y", nil), ("example.com/team", nil), ("a.b-c.d/x", nil),
        ("app.kubernetes.io/name", nil), (String(repeating: "k", count: 63), nil),
        ("", "must not be empty"), (String(repeating: "k", count: 64), "at most 63"),
        ("-team", "start and end"), ("team.", "start and end"), ("te am", "letters, digits"),
        ("a/b/c", "at most one '/'"), ("/team", "prefix before '/' must not be empty"),
        ("example.com/", "name must not be empty"), ("Example.com/team", "DNS subdomain"),
        ("example..com/team", "DNS subdomain"), ("ex_ample.com/team", "DNS subdomain"),
        (String(repeating: "a.", count: 127) + "a/team", "at most 253"),
    ] as [(String, String?)])
    func labelKeys(key: String, problemFragment: String?) {
        let problem = Names.labelKeyProblem(key)
        if let problemFragment {
            #expect(problem?.contains(problemFragment) == true, "\(key): \(problem ?? "nil")")
        } else {
            #expect(problem == nil, "\(key): \(problem ?? "")")
        }
    }

    @Test(arguments: [
        ("", nil), ("prod", nil), ("v1.2_3-X", nil), (String(repeating: "v", count: 63), nil),
        (String(repeating: "v", count: 64), "at most 63"), ("-v", "start and end"), ("v-", "start and end"),
        ("a b", "letters, digits"), ("a/b", "letters, digits"), ("é", "letters, digits"),
    ] as [(String, String?)])
    func labelValues(value: String, problemFragment: String?) {
        let problem = Names.labelValueProblem(value)
        if let problemFragment {
            #expect(problem?.contains(problemFragment) == true, "\(value): \(problem ?? "nil")")
        } else {
            #expect(problem == nil)
        }
    }

    @Test func paths() {
        #expect(Paths.base == "/api/hyperfleet/v1")
        #expect(Paths.cluster("abc") == "/api/hyperfleet/v1/clusters/abc")
        #expect(Paths.nodePool(clusterID: "c1", id: "n1") == "/api/hyperfleet/v1/clusters/c1/nodepools/n1")
    }
}

@Suite struct ErrorTests {
    @Test(arguments: [
        (APIErrorCode.conflict, 409), (.notFound, 404), (.validation, 400), (.internalError, 500),
        (.methodNotAllowed, 405), (.forbidden, 403), (.unauthorized, 401), (.malformedBody, 400),
        (.badQuery, 400), (.payloadTooLarge, 413), (.unsupportedMediaType, 415), (.unavailable, 503),
    ])
    func httpStatuses(code: APIErrorCode, status: Int) {
        #expect(code.httpStatus == status)
    }

    @Test func errorBodyShape() throws {
        let error = APIError(.validation, "bad name", details: [FieldError(field: "name", error: "too short")])
        let body = ErrorBody(error: error, operationID: "op-1")
        let json = String(decoding: try JSONCoding.encode(body), as: UTF8.self)
        #expect(json == "{\"code\":\"hyperfleet-8\",\"details\":[{\"error\":\"too short\",\"field\":\"name\"}],"
            + "\"href\":\"/api/hyperfleet/v1/errors/8\",\"id\":\"8\",\"kind\":\"Error\",\"operation_id\":\"op-1\",\"reason\":\"bad name\"}")
    }

    @Test func errorBodyOmitsEmptyDetails() throws {
        let body = ErrorBody(error: APIError(.notFound, "cluster x not found"), operationID: "op-2")
        let json = String(decoding: try JSONCoding.encode(body), as: UTF8.self)
        #expect(!json.contains("details"))
        #expect(json.contains("\"code\":\"hyperfleet-7\""))
        let decoded = try JSONCoding.decode(ErrorBody.self, from: Array(json.utf8))
        #expect(decoded == body)
    }
}
