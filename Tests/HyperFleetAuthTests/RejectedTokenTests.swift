import Foundation
import HyperFleetAuth
import JWTKit
import Testing

@Suite("Tokens that are rejected with 401")
struct RejectedTokenTests {
    @Test func expiredTokenIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["exp": .number(testNow.timeIntervalSince1970 - 31)]))
            #expect(await rejection(auth, token: token) == .expired)
        }
    }

    @Test func zeroLeewayRejectsJustExpiredToken() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key], configure: { fileConfiguration($0, leewaySeconds: 0) }) { auth, _ async throws in
            let token = try await key.sign(claims(["exp": .number(testNow.timeIntervalSince1970 - 1)]))
            #expect(await rejection(auth, token: token) == .expired)
            let fresh = try await key.sign(claims(["exp": .number(testNow.timeIntervalSince1970 + 1)]))
            #expect(await rejection(auth, token: fresh) == nil)
        }
    }

    @Test func notBeforeAheadIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["nbf": .number(testNow.timeIntervalSince1970 + 120)]))
            #expect(await rejection(auth, token: token) == .notYetValid)
        }
    }

    @Test func missingExpiryIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["exp": nil]))
            #expect(await rejection(auth, token: token) == .missingExpiry)
        }
    }

    @Test func nonNumericExpiryIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["exp": .string("tomorrow")]))
            #expect(await rejection(auth, token: token) == .invalidClaim)
        }
    }

    @Test func missingSubjectIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["sub": nil]))
            #expect(await rejection(auth, token: token) == .missingSubject)
        }
    }

    @Test func signatureFromAnotherKeyWithSameKidIsRejected() async throws {
        let trusted = try TestKey.rsa(kid: "rsa-1")
        let impostor = try TestKey.rsa(kid: "rsa-1", pem: FixedRSAKeys.secondary)
        try await withAuthenticator(keys: [trusted]) { auth, _ async throws in
            let token = try await impostor.sign(claims())
            #expect(await rejection(auth, token: token) == .invalidSignature)
        }
    }

    @Test func es256SignatureFromAnotherKeyWithSameKidIsRejected() async throws {
        let trusted = TestKey.es256(kid: "ec-1")
        let impostor = TestKey.es256(kid: "ec-1")
        try await withAuthenticator(keys: [trusted]) { auth, _ async throws in
            #expect(try await rejection(auth, token: impostor.sign(claims())) == .invalidSignature)
        }
    }

    @Test func tamperedPayloadIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let parts = try await key.sign(claims()).split(separator: ".").map(String.init)
            let forged = base64URL(try JSONEncoder().encode(claims(["sub": .string("admin")])))
            let token = [parts[0], forged, parts[2]].joined(separator: ".")
            #expect(await rejection(auth, token: token) == .invalidSignature)
        }
    }

    @Test func unknownKidIsRejected() async throws {
        let trusted = try TestKey.rsa(kid: "rsa-1")
        let stranger = try TestKey.rsa(kid: "somebody-else", pem: FixedRSAKeys.secondary)
        try await withAuthenticator(keys: [trusted]) { auth, _ async throws in
            #expect(try await rejection(auth, token: stranger.sign(claims())) == .unknownKeyID)
        }
    }

    @Test func unknownKidSignedWithTrustedKeyMaterialIsStillRejected() async throws {
        // jwt-kit alone falls back to its default key for an unknown kid; we must not.
        let trusted = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [trusted]) { auth, _ async throws in
            let token = try await trusted.sign(claims(), headerKid: "not-in-jwks")
            #expect(await rejection(auth, token: token) == .unknownKeyID)
        }
    }

    @Test(arguments: ["none", "None", "NONE"])
    func algNoneIsRejected(alg: String) async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let payload = String(decoding: try JSONEncoder().encode(claims()), as: UTF8.self)
            let token = compactToken(header: #"{"alg":"\#(alg)","kid":"rsa-1","typ":"JWT"}"#, payload: payload)
            #expect(await rejection(auth, token: token) == .unsignedToken)
            // Even with something in the signature slot.
            let padded = compactToken(header: #"{"alg":"\#(alg)","typ":"JWT"}"#, payload: payload, signature: "AAAA")
            #expect(await rejection(auth, token: padded) == .unsignedToken)
        }
    }

    @Test func hs256SignedWithTheRSAPublicKeyIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            // The classic algorithm-confusion forgery: HMAC keyed with the public PEM the attacker can read.
            let forger = JWTKeyCollection()
            await forger.add(hmac: HMACKey(from: key.publicKeyPEM), digestAlgorithm: .sha256, kid: "rsa-1")
            let token = try await forger.sign(RawPayload(claims()), kid: "rsa-1")
            #expect(try headerJSON(of: token).contains("HS256"))
            #expect(await rejection(auth, token: token) == .unsupportedAlgorithm)
        }
    }

    @Test func tokenAlgorithmMustMatchTheKeyNamedByKid() async throws {
        let rsa = try TestKey.rsa(kid: "rsa-1")
        let ec = TestKey.es256(kid: "ec-1")
        try await withAuthenticator(keys: [rsa, ec]) { auth, _ async throws in
            // ES256 token claiming the RSA key's kid.
            #expect(try await rejection(auth, token: ec.sign(claims(), headerKid: "rsa-1")) == .algorithmMismatch)
            // RS384 token against a JWK pinned to RS256.
            #expect(try await rejection(auth, token: rsa.sign(claims(), digest: .sha384)) == .algorithmMismatch)
        }
    }

    @Test func tokenWithoutKidIsRejectedWhenSeveralKeysFit() async throws {
        let a = try TestKey.rsa(kid: "a")
        let b = try TestKey.rsa(kid: "b", pem: FixedRSAKeys.secondary)
        try await withAuthenticator(keys: [a, b]) { auth, _ async throws in
            #expect(try await rejection(auth, token: a.sign(claims(), headerKid: .some(nil))) == .missingKeyID)
        }
    }

    @Test func unsupportedAlgorithmsAreRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let payload = String(decoding: try JSONEncoder().encode(claims()), as: UTF8.self)
            for alg in ["HS256", "HS512", "PS256", "EdDSA", "rs256"] {
                let token = compactToken(header: #"{"alg":"\#(alg)","kid":"rsa-1"}"#, payload: payload, signature: "AAAA")
                #expect(await rejection(auth, token: token) == .unsupportedAlgorithm, "alg \(alg)")
            }
        }
    }

    @Test func criticalHeaderExtensionsAreRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let payload = String(decoding: try JSONEncoder().encode(claims()), as: UTF8.self)
            let token = compactToken(
                header: #"{"alg":"RS256","kid":"rsa-1","crit":["b64"],"b64":false}"#, payload: payload, signature: "AAAA")
            #expect(await rejection(auth, token: token) == .unsupportedCriticalHeader)
        }
    }

    @Test func wrongIssuerIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            #expect(try await rejection(auth, token: key.sign(claims(["iss": .string("https://evil.test")]))) == .wrongIssuer)
            #expect(try await rejection(auth, token: key.sign(claims(["iss": nil]))) == .wrongIssuer)
        }
    }

    @Test func wrongAudienceIsRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            #expect(try await rejection(auth, token: key.sign(claims(["aud": .string("billing")]))) == .wrongAudience)
            #expect(try await rejection(auth, token: key.sign(claims(["aud": .array([.string("billing")])]))) == .wrongAudience)
            #expect(try await rejection(auth, token: key.sign(claims(["aud": nil]))) == .wrongAudience)
        }
    }

    @Test(arguments: [
        "Bearer garbage", "Bearer a.b.c", "Bearer ...", "Bearer a.b", "Bearer !!!.???.###",
        "Bearer eyJhbGciOiJSUzI1NiJ9.e30", "Bearer e30.e30.AAAA",
    ])
    func garbageIsMalformed(header: String) async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            #expect(await rejection(auth, header: header) == .malformedToken)
        }
    }

    @Test func junkSignatureIsCheckedBeforeThePayload() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = compactToken(header: #"{"alg":"RS256","kid":"rsa-1"}"#, payload: "[1,2]", signature: "AAAA")
            // Signature is checked before the payload is decoded, so a junk signature wins.
            #expect(await rejection(auth, token: token) == .invalidSignature)
        }
    }

    @Test func oversizedTokenIsMalformed() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let huge = try await key.sign(claims(["pad": .string(String(repeating: "x", count: 20_000))]))
            #expect(await rejection(auth, token: huge) == .malformedToken)
        }
    }

    @Test func missingOrEmptyCredentialsAreRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            #expect(await rejection(auth, header: nil) == .missingToken)
            #expect(await rejection(auth, header: "") == .missingToken)
            #expect(await rejection(auth, header: "   ") == .missingToken)
            #expect(await rejection(auth, header: "Bearer") == .missingToken)
            #expect(await rejection(auth, header: "Bearer    ") == .missingToken)
        }
    }

    @Test func otherSchemesAreRejected() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            #expect(await rejection(auth, header: "Basic xyz") == .unsupportedScheme)
            #expect(await rejection(auth, header: "Bearerx token") == .unsupportedScheme)
            #expect(await rejection(auth, header: "Token abc.def.ghi") == .unsupportedScheme)
        }
    }

    @Test func reasonsNeverContainKeyMaterialOrTokenText() async throws {
        let key = try TestKey.rsa(kid: "rsa-1")
        try await withAuthenticator(keys: [key]) { auth, _ async throws in
            let token = try await key.sign(claims(["exp": .number(0)]))
            let error = try #require(await rejection(auth, token: token))
            #expect(error.description == "token expired")
            #expect(!error.reason.contains(token.prefix(10)))
        }
    }
}
