import Foundation
import HyperFleetAuth
import JWTKit
import Logging

/// Fixed clock for deterministic expiry tests.
let testNow = Date(timeIntervalSince1970: 1_800_000_000)

/// A JWT payload made of arbitrary JSON claims, for signing test tokens.
struct RawPayload: JWTPayload {
    var values: [String: ClaimValue]

    init(_ values: [String: ClaimValue]) {
        self.values = values
    }

    init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: ClaimValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Claims of a token that is valid at `testNow`, overridable per test.
func claims(_ overrides: [String: ClaimValue?] = [:]) -> [String: ClaimValue] {
    var values: [String: ClaimValue] = [
        "sub": .string("alice"),
        "iss": .string("https://idp.example.com/realms/fleet"),
        "aud": .string("hyperfleet"),
        "exp": .number(testNow.timeIntervalSince1970 + 300),
        "iat": .number(testNow.timeIntervalSince1970 - 10),
    ]
    for (name, value) in overrides {
        values[name] = value
    }
    return values
}

func base64URL(_ data: Data) -> String {
    data.base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// A private key that signs test tokens and describes its public half as a JWK.
struct TestKey: Sendable {
    enum Material: Sendable {
        case rsa(Insecure.RSA.PrivateKey)
        case p256(ES256PrivateKey)
        case p384(ES384PrivateKey)
    }

    let kid: String
    let material: Material
    /// `alg` written into the JWK (nil leaves it out).
    var jwkAlgorithm: String?

    static func rsa(kid: String, pem: String = FixedRSAKeys.primary, jwkAlgorithm: String? = "RS256") throws -> TestKey {
        TestKey(kid: kid, material: .rsa(try Insecure.RSA.PrivateKey(pem: pem)), jwkAlgorithm: jwkAlgorithm)
    }

    static func es256(kid: String) -> TestKey {
        TestKey(kid: kid, material: .p256(ES256PrivateKey()), jwkAlgorithm: "ES256")
    }

    static func es384(kid: String) -> TestKey {
        TestKey(kid: kid, material: .p384(ES384PrivateKey()), jwkAlgorithm: "ES384")
    }

    /// The public JWK as a JSON object.
    func jwk() throws -> [String: String] {
        var jwk: [String: String] = ["kid": kid, "use": "sig"]
        if let jwkAlgorithm { jwk["alg"] = jwkAlgorithm }
        switch material {
        case .rsa(let key):
            let primitives = try key.publicKey.getKeyPrimitives()
            jwk["kty"] = "RSA"
            jwk["n"] = base64URL(primitives.modulus)
            jwk["e"] = base64URL(primitives.publicExponent)
        case .p256(let key):
            let parameters = try unwrapParameters(key.publicKey.parameters)
            jwk["kty"] = "EC"
            jwk["crv"] = "P-256"
            jwk["x"] = parameters.x
            jwk["y"] = parameters.y
        case .p384(let key):
            let parameters = try unwrapParameters(key.publicKey.parameters)
            jwk["kty"] = "EC"
            jwk["crv"] = "P-384"
            jwk["x"] = parameters.x
            jwk["y"] = parameters.y
        }
        return jwk
    }

    /// PEM of the public key (used as an HMAC secret in the algorithm-confusion test).
    var publicKeyPEM: String {
        switch material {
        case .rsa(let key): key.publicKey.pemRepresentation
        case .p256(let key): key.publicKey.pemRepresentation
        case .p384(let key): key.publicKey.pemRepresentation
        }
    }

    /// Signs `claims` with this key, putting `headerKid` (default: own kid, `.some(nil)`: none) in the header.
    func sign(
        _ claims: [String: ClaimValue], headerKid: String?? = .none, digest: DigestAlgorithm = .sha256
    ) async throws -> String {
        let collection = JWTKeyCollection()
        switch material {
        case .rsa(let key): await collection.add(rsa: key, digestAlgorithm: digest)
        case .p256(let key): await collection.add(ecdsa: key)
        case .p384(let key): await collection.add(ecdsa: key)
        }
        var header = JWTHeader()
        let kidToUse: String? = headerKid ?? kid
        header.kid = kidToUse
        return try await collection.sign(RawPayload(claims), header: header)
    }
}

struct MissingParameters: Error {}  // a fixture value was absent or undecodable

func unwrapParameters(_ value: ECDSAParameters?) throws -> ECDSAParameters {
    guard let value else { throw MissingParameters() }
    return value
}

/// A private temp directory holding `jwks.json`, removed by `cleanUp()`.
struct JWKSFixture {
    let directory: URL
    var file: URL { directory.appendingPathComponent("jwks.json") }

    init(keys: [TestKey]) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("hyperfleet-auth-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try write(keys: keys)
    }

    /// Replaces the JWKS with these keys (atomically, as a deployment would).
    func write(keys: [TestKey]) throws {
        try write(jwks: ["keys": keys.map { try $0.jwk() }])
    }

    /// Writes an arbitrary JSON document as the JWKS.
    func write(jwks: [String: Any]) throws {
        try write(raw: try JSONSerialization.data(withJSONObject: jwks))
    }

    func write(raw: Data) throws {
        try raw.write(to: file, options: .atomic)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Logger that discards output so test runs stay readable.
let quietLogger = Logger(label: "hyperfleet.auth.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Configuration reading the fixture's file with the usual issuer/audience.
func fileConfiguration(
    _ fixture: JWKSFixture, issuer: String? = "https://idp.example.com/realms/fleet",
    audience: [String] = ["hyperfleet"], leewaySeconds: Int = 30
) -> AuthConfiguration {
    AuthConfiguration(
        jwksFile: fixture.file.path, issuer: issuer, audience: audience, leewaySeconds: leewaySeconds)
}

/// Runs `body` with an authenticator over a JWKS file of `keys`, cleaning up afterwards.
func withAuthenticator<T>(
    keys: [TestKey],
    configure: (JWKSFixture) -> AuthConfiguration = { fileConfiguration($0) },
    _ body: (BearerAuthenticator, JWKSFixture) async throws -> T
) async throws -> T {
    let fixture = try JWKSFixture(keys: keys)
    defer { fixture.cleanUp() }
    let authenticator = try await BearerAuthenticator(configuration: configure(fixture), logger: quietLogger)
    return try await body(authenticator, fixture)
}

/// The AuthError thrown by authenticating `token`, or nil when it was accepted.
func rejection(
    _ authenticator: BearerAuthenticator, token: String, now: Date = testNow
) async -> AuthError? {
    await rejection(authenticator, header: "Bearer \(token)", now: now)
}

/// The AuthError thrown for a raw Authorization header, or nil when it was accepted.
func rejection(
    _ authenticator: BearerAuthenticator, header: String?, now: Date = testNow
) async -> AuthError? {
    do {
        _ = try await authenticator.authenticate(authorization: header, now: now)
        return nil
    } catch {
        return error
    }
}

/// Decodes one base64url segment of a compact token.
func decodeSegment(_ segment: Substring) throws -> Data {
    var text = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while text.count % 4 != 0 { text += "=" }
    guard let data = Data(base64Encoded: text) else { throw MissingParameters() }
    return data
}

/// The JSON text of a token's header.
func headerJSON(of token: String) throws -> String {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    return String(decoding: try decodeSegment(parts[0]), as: UTF8.self)
}

/// Builds an unsigned-style token from raw header/payload JSON and a signature segment.
func compactToken(header: String, payload: String, signature: String = "") -> String {
    "\(base64URL(Data(header.utf8))).\(base64URL(Data(payload.utf8))).\(signature)"
}
