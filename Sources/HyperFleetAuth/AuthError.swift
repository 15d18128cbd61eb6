/// A rejected credential; the HTTP layer answers 401. `reason` is safe to show a client.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Short client-safe explanation; never contains key material or token contents.
    public var reason: String

    /// Creates an error with a client-safe reason.
    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

// The fixed set of reasons, so callers and tests can compare without string literals.
extension AuthError {
    /// No Authorization header, or an empty bearer token.
    public static let missingToken = AuthError(reason: "missing bearer token")
    /// Authorization header with a scheme other than Bearer.
    public static let unsupportedScheme = AuthError(reason: "authorization scheme must be Bearer")
    /// Not a compact JWS, undecodable header or payload, or oversized.
    public static let malformedToken = AuthError(reason: "malformed token")
    /// `alg: none`.
    public static let unsignedToken = AuthError(reason: "unsigned tokens are not accepted")
    /// An algorithm outside RS256/RS384/RS512/ES256/ES384 (HMAC included).
    public static let unsupportedAlgorithm = AuthError(reason: "unsupported token algorithm")
    /// A `crit` header naming extensions this verifier does not understand.
    public static let unsupportedCriticalHeader = AuthError(reason: "unsupported critical header")
    /// The `kid` is not in the key set, even after a refresh.
    public static let unknownKeyID = AuthError(reason: "unknown key id")
    /// No `kid` and the key set has several keys for the algorithm.
    public static let missingKeyID = AuthError(reason: "token has no key id")
    /// The key named by `kid` is for another algorithm.
    public static let algorithmMismatch = AuthError(reason: "token algorithm does not match key")
    /// The signature does not verify.
    public static let invalidSignature = AuthError(reason: "invalid signature")
    /// `exp` is in the past (beyond leeway).
    public static let expired = AuthError(reason: "token expired")
    /// `nbf` is in the future (beyond leeway).
    public static let notYetValid = AuthError(reason: "token not yet valid")
    /// No `exp` claim.
    public static let missingExpiry = AuthError(reason: "token has no expiry")
    /// `iss` differs from the configured issuer.
    public static let wrongIssuer = AuthError(reason: "wrong issuer")
    /// `aud` has none of the configured audiences.
    public static let wrongAudience = AuthError(reason: "wrong audience")
    /// No usable `sub` claim.
    public static let missingSubject = AuthError(reason: "token has no subject")
    /// A registered claim has the wrong JSON type.
    public static let invalidClaim = AuthError(reason: "invalid claim")
}
