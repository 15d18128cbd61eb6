import Foundation
import Logging

/// Verifies `Authorization: Bearer <JWT>` headers against a JWKS from a file or URL.
public final class BearerAuthenticator: Sendable {
    private let configuration: AuthConfiguration
    private let logger: Logger
    private let source: JWKSSource
    private let policy: ClaimsPolicy
    private let store: KeyStore

    /// Validates the configuration and loads the keys now; throws if it cannot.
    public init(configuration: AuthConfiguration, logger: Logger) async throws {
        let source = try JWKSSource(configuration: configuration)
        let initial = try await KeySet.parse(jwks: try await source.fetch(), logger: logger)
        self.configuration = configuration
        self.logger = logger
        self.source = source
        self.policy = ClaimsPolicy(configuration: configuration)
        self.store = KeyStore(initial: initial, unknownKeyRefreshCooldown: configuration.unknownKeyRefreshCooldown)
        logger.info("Loaded JWKS", metadata: ["source": "\(source)", "kids": "\(initial.keyIDs)"])
    }

    /// `authorization`: the raw Authorization header value (nil if absent). Case-insensitive "Bearer ".
    public func authenticate(authorization: String?, now: Date = Date()) async throws(AuthError) -> Principal {
        let token = try CompactToken(parsing: try CompactToken.bearerToken(fromAuthorization: authorization))
        let key = try await verificationKey(for: token)
        let claims = try await key.verify(token.raw)
        return try policy.principal(from: claims, now: now)
    }

    /// Periodic refresh loop; returns when the task is cancelled.
    public func runRefreshLoop() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.refreshInterval)
            } catch {
                return
            }
            // Failures are logged by reload and the previous keys stay in use.
            try? await reload()
        }
    }

    /// Re-reads the JWKS and swaps it in; on failure keeps the previous key set, logs, and throws.
    public func reload() async throws {
        let ticket = await store.nextTicket()
        do {
            let keySet = try await KeySet.parse(jwks: try await source.fetch(), logger: logger)
            if await store.install(keySet, ticket: ticket) {
                logger.debug("Reloaded JWKS", metadata: ["source": "\(source)", "kids": "\(keySet.keyIDs)"])
            }
        } catch {
            logger.warning(
                "JWKS refresh failed; keeping the previous key set",
                metadata: ["source": "\(source)", "error": "\(error)"])
            throw error
        }
    }

    /// Finds the token's key; an unknown kid triggers at most one rate-limited early refresh.
    private func verificationKey(for token: CompactToken) async throws(AuthError) -> VerificationKey {
        var lookup = await store.current.key(for: token.keyID, algorithm: token.algorithm)
        if case .unknownKeyID = lookup, await store.claimUnknownKeyRefresh() {
            logger.info("Unknown key id; refreshing JWKS early", metadata: ["kid": "\(token.keyID ?? "-")"])
            if (try? await reload()) != nil {
                lookup = await store.current.key(for: token.keyID, algorithm: token.algorithm)
            }
        }
        switch lookup {
        case .found(let key): return key
        case .unknownKeyID: throw .unknownKeyID
        case .missingKeyID: throw .missingKeyID
        case .algorithmMismatch: throw .algorithmMismatch
        }
    }
}
