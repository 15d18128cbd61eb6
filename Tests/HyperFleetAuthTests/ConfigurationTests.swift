import Foundation
import HyperFleetAuth
import Testing

@Suite("AuthConfiguration validation and startup failures")
struct ConfigurationTests {
    func validationError(_ configuration: AuthConfiguration) -> AuthConfigurationError? {
        do {
            try configuration.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsAreThirtySecondsLeewayAndFiveMinuteRefresh() {
        let configuration = AuthConfiguration(jwksFile: "/etc/jwks.json")
        #expect(configuration.leewaySeconds == 30)
        #expect(configuration.refreshInterval == .seconds(300))
        #expect(configuration.audience.isEmpty)
        #expect(validationError(configuration) == nil)
        #expect(validationError(AuthConfiguration(jwksURL: "https://idp.example.com/jwks")) == nil)
    }

    @Test func neitherSourceIsAnError() throws {
        let error = try #require(validationError(AuthConfiguration()))
        #expect(error.key == "jwksFile")
        #expect(error.description.contains("jwksFile"))
        #expect(error.description.contains("jwksURL"))
    }

    @Test func bothSourcesIsAnError() throws {
        let error = try #require(validationError(AuthConfiguration(jwksFile: "/a", jwksURL: "https://b/jwks")))
        #expect(error.message.contains("jwksFile") && error.message.contains("jwksURL"))
    }

    @Test(arguments: [-1, 61, 3600])
    func leewayOutOfRangeIsAnError(leeway: Int) throws {
        let error = try #require(validationError(AuthConfiguration(jwksFile: "/a", leewaySeconds: leeway)))
        #expect(error.key == "leewaySeconds")
        #expect(error.message.contains("leewaySeconds"))
        #expect(error.message.contains("\(leeway)"))
    }

    @Test(arguments: [0, 60])
    func leewayBoundsAreAccepted(leeway: Int) {
        #expect(validationError(AuthConfiguration(jwksFile: "/a", leewaySeconds: leeway)) == nil)
    }

    @Test(arguments: ["ftp://idp/jwks", "not a url", "file:///etc/jwks.json", "https://"])
    func nonHTTPURLIsAnError(url: String) throws {
        let error = try #require(validationError(AuthConfiguration(jwksURL: url)))
        #expect(error.key == "jwksURL")
    }

    @Test func otherInvalidSettingsNameTheirKey() throws {
        #expect(validationError(AuthConfiguration(jwksFile: "/a", refreshInterval: .zero))?.key == "refreshInterval")
        #expect(validationError(AuthConfiguration(jwksFile: "/a", issuer: ""))?.key == "issuer")
        #expect(validationError(AuthConfiguration(jwksFile: "/a", audience: ["ok", ""]))?.key == "audience")
    }

    @Test func authenticatorRejectsInvalidConfiguration() async {
        await #expect(throws: AuthConfigurationError.self) {
            _ = try await BearerAuthenticator(
                configuration: AuthConfiguration(jwksFile: "/a", leewaySeconds: 120), logger: quietLogger)
        }
    }

    @Test func authenticatorFailsWhenJWKSFileIsMissing() async throws {
        let path = "/nonexistent/\(UUID().uuidString)/jwks.json"
        let error = try await #require(throws: JWKSError.self) {
            _ = try await BearerAuthenticator(configuration: AuthConfiguration(jwksFile: path), logger: quietLogger)
        }
        #expect(error.message.contains(path))
    }

    @Test func authenticatorFailsWhenJWKSIsNotJSON() async throws {
        let fixture = try JWKSFixture(keys: [])
        defer { fixture.cleanUp() }
        try fixture.write(raw: Data("<html>".utf8))
        let error = try await #require(throws: JWKSError.self) {
            _ = try await BearerAuthenticator(configuration: fileConfiguration(fixture), logger: quietLogger)
        }
        #expect(error.message.contains("JSON"))
    }

    @Test func authenticatorFailsWhenJWKSHasNoUsableKey() async throws {
        let fixture = try JWKSFixture(keys: [])
        defer { fixture.cleanUp() }
        try fixture.write(jwks: ["keys": [["kty": "oct", "kid": "h", "k": "c2VjcmV0", "alg": "HS256"]]])
        let error = try await #require(throws: JWKSError.self) {
            _ = try await BearerAuthenticator(configuration: fileConfiguration(fixture), logger: quietLogger)
        }
        #expect(error.message.contains("no usable"))
    }

    @Test func unusableEntriesAreSkippedAndTheRestLoaded() async throws {
        let good = TestKey.es256(kid: "good")
        let encryption = try TestKey.rsa(kid: "enc")
        var encryptionJWK = try encryption.jwk()
        encryptionJWK["use"] = "enc"
        var pssJWK = try TestKey.rsa(kid: "pss", pem: FixedRSAKeys.secondary).jwk()
        pssJWK["alg"] = "PS256"
        let fixture = try JWKSFixture(keys: [])
        defer { fixture.cleanUp() }
        try fixture.write(jwks: ["keys": [
            ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"],
            encryptionJWK,
            pssJWK,
            ["kty": "EC", "kid": "broken", "crv": "P-256", "x": "AAAA", "y": "AAAA"],
            "not an object",
            try good.jwk(),
        ] as [Any]])
        let auth = try await BearerAuthenticator(configuration: fileConfiguration(fixture), logger: quietLogger)
        #expect(try await rejection(auth, token: good.sign(claims())) == nil)
        #expect(try await rejection(auth, token: encryption.sign(claims())) == .unknownKeyID)
    }
}
