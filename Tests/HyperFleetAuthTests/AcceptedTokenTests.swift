import Foundation
import HyperFleetAuth
import Testing

@Suite("Tokens that are accepted")
struct AcceptedTokenTests {
    @Test func rs256TokenWithEmailClaimYieldsThatEmail() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["email": .string("alice@example.org")]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.subject == "alice")
            #expect(principal.email == "alice@example.org")
            #expect(principal.issuer == "https://idp.example.com/realms/fleet")
            #expect(principal.claims["aud"] == .string("hyperfleet"))
        }
    }

    @Test func es256TokenWithoutEmailDerivesOneFromIssuerHost() async throws {
        let key = TestKey.es256(kid: "ec-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["sub": .string("bob")]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.subject == "bob")
            #expect(principal.email == "bob@idp.example.com")
        }
    }

    @Test func nonURLIssuerIsUsedAsEmailDomain() async throws {
        let key = TestKey.es256(kid: "ec-1")
        try await withAuthenticator(keys: [key], configure: { fileConfiguration($0, issuer: "corp-idp") }) { auth, _ async throws in
            let token = try await key.sign(claims(["sub": .string("bob"), "iss": .string("corp-idp")]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.email == "bob@corp-idp")
            #expect(principal.issuer == "corp-idp")
        }
    }

    @Test func missingIssuerFallsBackToHyperfleetLocal() async throws {
        let key = TestKey.es256(kid: "ec-1")
        try await withAuthenticator(keys: [key], configure: { fileConfiguration($0, issuer: nil) }) { auth, _ async throws in
            let token = try await key.sign(claims(["sub": .string("carol"), "iss": nil, "email": .string("")]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.email == "carol@hyperfleet.local")
            #expect(principal.issuer == nil)
        }
    }

    @Test func schemeIsCaseInsensitiveAndSpacingTolerated() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims())
            for header in ["bearer \(token)", "BEARER   \(token)  ", "Bearer\t\(token)"] {
                let principal = try await auth.authenticate(authorization: header, now: testNow)
                #expect(principal.subject == "alice")
            }
        }
    }

    @Test func expiryWithinLeewayIsAccepted() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["exp": .number(testNow.timeIntervalSince1970 - 20)]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.subject == "alice")
        }
    }

    @Test func notBeforeWithinLeewayIsAccepted() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["nbf": .number(testNow.timeIntervalSince1970 + 20)]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.subject == "alice")
        }
    }

    @Test func audienceArrayContainingAConfiguredAudienceIsAccepted() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        let configure: (JWKSFixture) -> AuthConfiguration = { fileConfiguration($0, audience: ["other", "hyperfleet"]) }
        try await withAuthenticator(keys: [key], configure: configure) { auth, _ async throws in
            let token = try await key.sign(claims(["aud": .array([.string("account"), .string("hyperfleet")])]))
            #expect(await rejection(auth, token: token) == nil)
        }
    }

    @Test func noIssuerOrAudienceConfiguredAcceptsAnyIssuerAndAudience() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        let configure: (JWKSFixture) -> AuthConfiguration = { fileConfiguration($0, issuer: nil, audience: []) }
        try await withAuthenticator(keys: [key], configure: configure) { auth, _ async throws in
            let token = try await key.sign(claims(["iss": .string("https://elsewhere.test"), "aud": nil]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.email == "alice@elsewhere.test")
        }
    }

    @Test(arguments: [("RS384", 384), ("RS512", 512)])
    func rsaKeyWithoutDeclaredAlgorithmServesRS384AndRS512(name: String, bits: Int) async throws {
        let key = try TestKey.rsa(kid: "rsa-any", jwkAlgorithm: nil)
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(), digest: bits == 384 ? .sha384 : .sha512)
            #expect(try headerJSON(of: token).contains("\"\(name)\""))
            #expect(await rejection(auth, token: token) == nil)
        }
    }

    @Test func tokenWithoutKidIsAcceptedWhenExactlyOneKeyFitsItsAlgorithm() async throws {
        let rsa = try TestKey.rsa(kid: "rsa-1")
        let ec = TestKey.es256(kid: "ec-1")
        try await withAuthenticator(keys: [rsa, ec]) { auth, _ async throws in
            let token = try await ec.sign(claims(), headerKid: .some(nil))
            #expect(await rejection(auth, token: token) == nil)
        }
    }

    @Test func keyRotationWithTwoKeysAcceptsBoth() async throws {
        let old = try TestKey.rsa(kid: "old")
        let new = try TestKey.rsa(kid: "new", pem: FixedRSAKeys.secondary)
        try await withAuthenticator(keys: [old, new]) { auth, _ async throws in
            #expect(try await rejection(auth, token: old.sign(claims())) == nil)
            #expect(try await rejection(auth, token: new.sign(claims())) == nil)
        }
    }

    @Test func es384IsAccepted() async throws {
        let key = TestKey.es384(kid: "ec384")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims())
            #expect(try headerJSON(of: token).contains("ES384"))
            #expect(await rejection(auth, token: token) == nil)
        }
    }

    @Test func sameKidOnRSAAndECKeysIsResolvedByAlgorithm() async throws {
        let rsa = try TestKey.rsa(kid: "shared")
        let ec = TestKey.es256(kid: "shared")
        try await withAuthenticator(keys: [rsa, ec]) { auth, _ async throws in
            #expect(try await rejection(auth, token: rsa.sign(claims())) == nil)
            #expect(try await rejection(auth, token: ec.sign(claims())) == nil)
        }
    }

    @Test func issuerURLWithPortAndPathGivesItsHostAsEmailDomain() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        let issuer = "https://login.corp.example:8443/realms/fleet"
        try await withAuthenticator(keys: [key], configure: { fileConfiguration($0, issuer: issuer) }) { auth, _ async throws in
            let token = try await key.sign(claims(["sub": .string("dave"), "iss": .string(issuer)]))
            let principal = try await auth.authenticate(authorization: "Bearer \(token)", now: testNow)
            #expect(principal.email == "dave@login.corp.example")
        }
    }
}
