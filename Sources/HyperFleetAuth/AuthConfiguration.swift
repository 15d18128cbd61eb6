import Foundation

/// Settings for bearer-token authentication against a JWKS.
public struct AuthConfiguration: Sendable {
    /// Path to a JWKS JSON file.
    public var jwksFile: String?
    /// http(s) URL of a JWKS.
    public var jwksURL: String?
    /// Required `iss` when set.
    public var issuer: String?
    /// When non-empty, `aud` must contain one of these.
    public var audience: [String]
    /// Clock skew tolerated on `exp`/`nbf`, validated to 0...60.
    public var leewaySeconds: Int
    /// How often `runRefreshLoop` re-reads the JWKS.
    public var refreshInterval: Duration
    /// Minimum time between two refreshes triggered by an unknown `kid` (protects the JWKS source from token spam).
    public var unknownKeyRefreshCooldown: Duration
    /// Time limit for fetching a JWKS URL.
    public var fetchTimeout: Duration

    /// Largest clock leeway the contract allows.
    public static let maximumLeewaySeconds = 60

    /// Creates a configuration; exactly one of `jwksFile` / `jwksURL` must be set (checked by `validate()`).
    public init(
        jwksFile: String? = nil,
        jwksURL: String? = nil,
        issuer: String? = nil,
        audience: [String] = [],
        leewaySeconds: Int = 30,
        refreshInterval: Duration = .seconds(300),
        unknownKeyRefreshCooldown: Duration = .seconds(30),
        fetchTimeout: Duration = .seconds(10)
    ) {
        self.jwksFile = jwksFile
        self.jwksURL = jwksURL
        self.issuer = issuer
        self.audience = audience
        self.leewaySeconds = leewaySeconds
        self.refreshInterval = refreshInterval
        self.unknownKeyRefreshCooldown = unknownKeyRefreshCooldown
        self.fetchTimeout = fetchTimeout
    }

    /// Checks the settings; the error names the offending key.
    public func validate() throws(AuthConfigurationError) {
        let file = jwksFile.flatMap { $0.isEmpty ? nil : $0 }
        let url = jwksURL.flatMap { $0.isEmpty ? nil : $0 }
        switch (file, url) {
        case (nil, nil):
            throw AuthConfigurationError(key: "jwksFile", message: "one of jwksFile or jwksURL must be set")
        case (.some, .some):
            throw AuthConfigurationError(key: "jwksURL", message: "jwksFile and jwksURL are mutually exclusive; set only one")
        case (nil, .some(let url)):
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
            else {
                throw AuthConfigurationError(key: "jwksURL", message: "jwksURL must be an http or https URL, got '\(url)'")
            }
        case (.some, nil):
            break
        }
        guard (0...Self.maximumLeewaySeconds).contains(leewaySeconds) else {
            throw AuthConfigurationError(
                key: "leewaySeconds",
                message: "leewaySeconds must be within 0...\(Self.maximumLeewaySeconds), got \(leewaySeconds)")
        }
        guard refreshInterval > .zero else {
            throw AuthConfigurationError(key: "refreshInterval", message: "refreshInterval must be positive")
        }
        guard unknownKeyRefreshCooldown >= .zero else {
            throw AuthConfigurationError(
                key: "unknownKeyRefreshCooldown", message: "unknownKeyRefreshCooldown must not be negative")
        }
        guard fetchTimeout > .zero else {
            throw AuthConfigurationError(key: "fetchTimeout", message: "fetchTimeout must be positive")
        }
        if let issuer, issuer.isEmpty {
            throw AuthConfigurationError(key: "issuer", message: "issuer must not be empty when set")
        }
        if audience.contains(where: \.isEmpty) {
            throw AuthConfigurationError(key: "audience", message: "audience entries must not be empty")
        }
    }
}

/// An invalid `AuthConfiguration`; `key` is the offending setting.
public struct AuthConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration key at fault, e.g. `leewaySeconds`.
    public var key: String
    /// A human-readable explanation that names the key.
    public var message: String

    /// Creates an error for `key`.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "invalid auth configuration: \(message)" }
}
