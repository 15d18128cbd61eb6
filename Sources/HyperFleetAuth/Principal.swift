import Foundation

/// The authenticated caller, built from a verified token.
public struct Principal: Sendable, Equatable {
    /// The token's `sub`.
    public var subject: String
    /// The `email` claim, or `<sub>@<issuer host>` when the token has none.
    public var email: String
    /// The token's `iss`, if any.
    public var issuer: String?
    /// Every claim of the verified payload, for authorization decisions.
    public var claims: [String: ClaimValue]

    /// Creates a principal (the authenticator builds these; tests and other layers may too).
    public init(subject: String, email: String, issuer: String?, claims: [String: ClaimValue] = [:]) {
        self.subject = subject
        self.email = email
        self.issuer = issuer
        self.claims = claims
    }

    /// Whether this principal carries the claim value (the HTTP layer answers 403 when false).
    public func satisfies(_ requirement: ClaimRequirement) -> Bool {
        requirement.isSatisfied(by: claims[requirement.claim])
    }

    /// Placeholder domain so a token without `email` and `iss` still yields an email-shaped value.
    static let fallbackEmailDomain = "hyperfleet.local"

    /// `<subject>@<host of issuer URL | issuer | hyperfleet.local>`.
    static func derivedEmail(subject: String, issuer: String?) -> String {
        guard let issuer, !issuer.isEmpty else { return "\(subject)@\(fallbackEmailDomain)" }
        if let url = URL(string: issuer), url.scheme != nil, let host = url.host, !host.isEmpty {
            return "\(subject)@\(host)"
        }
        return "\(subject)@\(issuer)"
    }
}
