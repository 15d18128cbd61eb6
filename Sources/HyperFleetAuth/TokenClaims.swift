import Foundation
internal import JWTKit

/// The whole verified payload as JSON values; registered claims are checked by `ClaimsPolicy`.
struct TokenClaims: JWTPayload {
    let values: [String: ClaimValue]

    init(values: [String: ClaimValue]) {
        self.values = values
    }

    init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: ClaimValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    /// Claims are checked afterwards with an explicit clock and leeway, so nothing to do here.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Registered-claim rules (`exp`, `nbf`, `iss`, `aud`, `sub`) and principal construction.
struct ClaimsPolicy: Sendable {
    let issuer: String?
    let audience: [String]
    let leeway: TimeInterval

    init(configuration: AuthConfiguration) {
        issuer = configuration.issuer
        audience = configuration.audience
        leeway = TimeInterval(configuration.leewaySeconds)
    }

    /// Checks the claims at `now` and returns the caller's principal.
    func principal(from claims: TokenClaims, now: Date) throws(AuthError) -> Principal {
        let values = claims.values
        let nowSeconds = now.timeIntervalSince1970

        guard let expiry = values["exp"] else { throw .missingExpiry }
        guard case .number(let exp) = expiry else { throw .invalidClaim }
        guard nowSeconds < exp + leeway else { throw .expired }

        if let notBefore = values["nbf"] {
            guard case .number(let nbf) = notBefore else { throw .invalidClaim }
            guard nowSeconds + leeway >= nbf else { throw .notYetValid }
        }

        let tokenIssuer: String?
        switch values["iss"] {
        case nil, .null?: tokenIssuer = nil
        case .string(let value)?: tokenIssuer = value
        default: throw .invalidClaim
        }
        if let issuer, tokenIssuer != issuer { throw .wrongIssuer }

        if !audience.isEmpty {
            let tokenAudience: [String]
            switch values["aud"] {
            case .string(let value)?: tokenAudience = [value]
            case .array(let items)?: tokenAudience = items.compactMap(\.stringValue)
            default: tokenAudience = []
            }
            guard tokenAudience.contains(where: audience.contains) else { throw .wrongAudience }
        }

        guard case .string(let subject)? = values["sub"], !subject.isEmpty else { throw .missingSubject }
        let email: String
        if case .string(let claimed)? = values["email"], !claimed.isEmpty {
            email = claimed
        } else {
            email = Principal.derivedEmail(subject: subject, issuer: tokenIssuer)
        }
        return Principal(subject: subject, email: email, issuer: tokenIssuer, claims: values)
    }
}
