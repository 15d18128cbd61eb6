import Foundation

/// The parts of a compact JWS that are inspected before any key is chosen.
struct CompactToken: Sendable {
    /// The raw token, handed to the verifier unchanged.
    let raw: String
    let algorithm: SigningAlgorithm
    let keyID: String?

    /// Tokens beyond this size are refused before decoding (cheap DoS guard).
    static let maximumLength = 16 * 1024

    /// Extracts the token from an Authorization header value ("Bearer <token>", scheme case-insensitive).
    static func bearerToken(fromAuthorization authorization: String?) throws(AuthError) -> String {
        guard let header = authorization?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            throw .missingToken
        }
        let scheme = header.prefix { $0 != " " && $0 != "\t" }
        guard scheme.lowercased() == "bearer" else { throw .unsupportedScheme }
        let token = header.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw .missingToken }
        return token
    }

    /// Parses the header and enforces the algorithm allow-list; the signature is not checked here.
    init(parsing raw: String) throws(AuthError) {
        guard raw.utf8.count <= Self.maximumLength else { throw .malformedToken }
        let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformedToken }
        guard let headerData = Base64URL.decode(parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: headerData),
              let alg = header.alg
        else { throw .malformedToken }

        // Reject `none` by name first so the client sees why.
        if alg.lowercased() == "none" { throw .unsignedToken }
        guard let algorithm = SigningAlgorithm(rawValue: alg) else { throw .unsupportedAlgorithm }
        // RFC 7515 §4.1.11: extensions listed in `crit` must be understood; we understand none.
        if let critical = header.crit, !critical.isEmpty { throw .unsupportedCriticalHeader }
        guard !parts[2].isEmpty, Base64URL.decode(parts[1]) != nil else { throw .malformedToken }

        self.raw = raw
        self.algorithm = algorithm
        self.keyID = header.kid
    }

    private struct Header: Decodable {
        var alg: String?
        var kid: String?
        var crit: [String]?
    }
}

/// Base64url (RFC 4648 §5) without padding, as used in JWS.
enum Base64URL {
    /// Decodes base64url text; nil when it is not valid base64url.
    static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        let remainder = base64.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { base64 += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: base64)
    }
}
