import Foundation
import HTTPTypes
import HyperFleetAuth
import JWTKit
import Logging
import Testing

/// Signs ES256 tokens and publishes the public key as a JWKS file.
struct TokenMinter: Sendable {
    let key = ES256PrivateKey()
    let kid: String
    let jwksPath: String

    init(kid: String = "k1") throws {
        self.kid = kid
        guard let parameters = key.publicKey.parameters else { throw AuthError(reason: "test key has no parameters") }
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","use":"sig","alg":"ES256","kid":"\#(kid)","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
        jwksPath = FileManager.default.temporaryDirectory.appendingPathComponent("hf-api-jwks-\(UUID().uuidString).json").path
        try jwks.write(toFile: jwksPath, atomically: true, encoding: .utf8)
    }

    struct Claims: JWTPayload {
        var sub: String
        var email: String?
        var scope: String?
        var exp: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    func token(subject: String = "alice", email: String? = "alice@example.com", scope: String? = nil, expiresIn: TimeInterval = 300) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        let claims = Claims(sub: subject, email: email, scope: scope, exp: Int(Date().timeIntervalSince1970 + expiresIn))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }

    func authenticator() async throws -> BearerAuthenticator {
        var logger = Logger(label: "test-auth")
        logger.logLevel = .critical
        return try await BearerAuthenticator(configuration: AuthConfiguration(jwksFile: jwksPath), logger: logger)
    }
}

@Suite("bearer tokens")
struct AuthTests {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    @Test func validExpiredWrongKeyMissing() async throws {
        let minter = try TokenMinter()
        let stranger = try TokenMinter()  // same kid, another key
        let authenticator = try await minter.authenticator()
        try await APIHarness.run(authenticator: authenticator) { api in
            let valid = try await api.get("/api/hyperfleet/v1/clusters", headers: Self.bearer(try await minter.token()))
            #expect(valid.status == 200)
            let expired = try await api.get("/api/hyperfleet/v1/clusters", headers: Self.bearer(try await minter.token(expiresIn: -600)))
            #expect(expired.status == 401)
            #expect(expired.errorCode == "15")
            #expect(expired.headers[.wwwAuthenticate] == "Bearer")
            let wrongKey = try await api.get("/api/hyperfleet/v1/clusters", headers: Self.bearer(try await stranger.token()))
            #expect(wrongKey.status == 401)
            let missing = try await api.get("/api/hyperfleet/v1/clusters")
            #expect(missing.status == 401)
            #expect(missing.errorCode == "15")
            let garbage = try await api.get("/api/hyperfleet/v1/clusters", headers: Self.bearer("not.a.jwt"))
            #expect(garbage.status == 401)
            // Nodepool statuses need a token too (the spec omits it; the contract does not).
            let id = "0123456789abcdefghijklmnopqrstuv"
            #expect(try await api.get("/api/hyperfleet/v1/clusters/\(id)/nodepools/\(id)/statuses").status == 401)
            // The open endpoints.
            #expect(try await api.get("/api/hyperfleet/v1/openapi").status == 200)
            #expect(try await api.get("/api/hyperfleet").status == 200)
        }
    }

    @Test func writesAreAttributedToTheTokenEmail() async throws {
        let minter = try TokenMinter()
        let authenticator = try await minter.authenticator()
        try await APIHarness.run(authenticator: authenticator) { api in
            let reply = try await api.post(
                "/api/hyperfleet/v1/clusters", #"{"kind":"Cluster","name":"owned","spec":{}}"#,
                headers: Self.bearer(try await minter.token(email: "bob@example.com")))
            #expect(reply.status == 201)
            #expect(try reply.string("created_by") == "bob@example.com")
            #expect(try reply.string("updated_by") == "bob@example.com")
        }
    }

    @Test func adapterWriteClaimIsEnforced() async throws {
        let minter = try TokenMinter()
        let authenticator = try await minter.authenticator()
        try await APIHarness.run(authenticator: authenticator, configure: {
            $0.adapterWriteClaim = ClaimRequirement(claim: "scope", value: "hyperfleet.adapter")
        }) { api in
            let plain = Self.bearer(try await minter.token())
            let created = try await api.post("/api/hyperfleet/v1/clusters", #"{"kind":"Cluster","name":"scoped","spec":{}}"#, headers: plain)
            #expect(created.status == 201)
            let createdID = try created.string("id")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(createdID))/statuses"
            let body = APIHarness.reportBody(adapter: "validation", generation: 1)
            let denied = try await api.post(path, body, headers: plain)
            #expect(denied.status == 403)
            #expect(denied.errorCode == "11")
            let adapter = Self.bearer(try await minter.token(scope: "openid hyperfleet.adapter"))
            #expect(try await api.post(path, body, headers: adapter).status == 201)
            // Reading needs no special claim.
            #expect(try await api.get(path, headers: plain).status == 200)
        }
    }
}
