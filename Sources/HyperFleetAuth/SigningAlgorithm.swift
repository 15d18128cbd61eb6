/// The only JWS algorithms ever accepted; HMAC and `none` are deliberately absent.
enum SigningAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
    case es256 = "ES256"
    case es384 = "ES384"

    /// RSA algorithms a JWK of `kty: RSA` may serve.
    static let rsaFamily: [SigningAlgorithm] = [.rs256, .rs384, .rs512]
}
