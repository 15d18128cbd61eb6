import Foundation
internal import JWTKit
import Logging

/// One public key usable for exactly one algorithm.
struct VerificationKey: Sendable {
    let keyID: String?
    let algorithm: SigningAlgorithm
    /// A collection holding only this key, so jwt-kit can never fall back to another one.
    let verifier: JWTKeyCollection

    /// Checks the signature and decodes the payload; claims are not checked here.
    func verify(_ token: String) async throws(AuthError) -> TokenClaims {
        do {
            return try await verifier.verify(token, as: TokenClaims.self)
        } catch let error as JWTError where error.errorType == .malformedToken {
            throw .malformedToken
        } catch {
            // Any other failure (bad signature, wrong signature length, undecodable DER) is a bad signature.
            throw .invalidSignature
        }
    }
}

/// An immutable snapshot of the usable keys from one JWKS load.
struct KeySet: Sendable {
    let keys: [VerificationKey]

    /// The outcome of looking up the key for a token.
    enum Lookup: Sendable {
        case found(VerificationKey)
        case unknownKeyID
        case missingKeyID
        case algorithmMismatch
    }

    /// Picks the key for `kid`/`alg`; the key's own algorithm must equal the token's (no algorithm confusion).
    func key(for keyID: String?, algorithm: SigningAlgorithm) -> Lookup {
        if let keyID {
            let named = keys.filter { $0.keyID == keyID }
            if named.isEmpty { return .unknownKeyID }
            return named.first { $0.algorithm == algorithm }.map(Lookup.found) ?? .algorithmMismatch
        }
        // Without a kid, only an unambiguous key is used.
        let candidates = keys.filter { $0.algorithm == algorithm }
        switch candidates.count {
        case 0: return .algorithmMismatch
        case 1: return .found(candidates[0])
        default: return .missingKeyID
        }
    }

    /// Distinct key ids, for logging.
    var keyIDs: [String] {
        Array(Set(keys.compactMap(\.keyID))).sorted()
    }
}

extension KeySet {
    /// Builds a key set from JWKS JSON, keeping only RSA and P-256/P-384 public keys meant for signatures.
    static func parse(jwks data: Data, logger: Logger) async throws(JWKSError) -> KeySet {
        let document: JWKSDocument
        do {
            document = try JSONDecoder().decode(JWKSDocument.self, from: data)
        } catch {
            throw JWKSError(message: "JWKS is not a JSON object with a 'keys' array")
        }
        var keys: [VerificationKey] = []
        for (index, entry) in document.keys.enumerated() {
            guard let entry = entry.value else {
                logger.warning("Skipping JWKS entry that is not a key object", metadata: ["index": "\(index)"])
                continue
            }
            do {
                keys += try await entry.verificationKeys()
            } catch {
                // Encryption keys and other algorithms are normal in shared JWKS; broken keys deserve attention.
                let level: Logger.Level = error.isExpectedInSharedJWKS ? .debug : .warning
                logger.log(
                    level: level, "Skipping JWKS key",
                    metadata: ["index": "\(index)", "kid": "\(entry.kid ?? "-")", "why": "\(error.message)"])
            }
        }
        guard !keys.isEmpty else {
            throw JWKSError(message: "JWKS has no usable RS256/RS384/RS512/ES256/ES384 public key")
        }
        return KeySet(keys: keys)
    }
}

/// `{"keys": [...]}` where a malformed entry does not spoil the rest.
private struct JWKSDocument: Decodable {
    let keys: [Lenient<JWKEntry>]
}

/// Decodes a value, or nil when it does not decode.
private struct Lenient<Value: Decodable>: Decodable {
    let value: Value?
    init(from decoder: any Decoder) throws {
        value = try? Value(from: decoder)
    }
}

/// The JWK members we read (RFC 7517/7518); private members are ignored on purpose.
private struct JWKEntry: Decodable {
    let kty: String
    let kid: String?
    let alg: String?
    let use: String?
    let n: String?
    let e: String?
    let crv: String?
    let x: String?
    let y: String?

    func verificationKeys() async throws(JWKSError) -> [VerificationKey] {
        if let use, use != "sig" { throw JWKSError(message: "key use is '\(use)', not 'sig'", isExpectedInSharedJWKS: true) }
        let declared: SigningAlgorithm?
        if let alg {
            guard let known = SigningAlgorithm(rawValue: alg) else {
                throw JWKSError(message: "algorithm '\(alg)' is not accepted", isExpectedInSharedJWKS: true)
            }
            declared = known
        } else {
            declared = nil
        }
        switch kty {
        case "RSA": return try await rsaKeys(declared: declared)
        case "EC": return try await ecKeys(declared: declared)
        default: throw JWKSError(message: "key type '\(kty)' is not accepted", isExpectedInSharedJWKS: true)
        }
    }

    private func rsaKeys(declared: SigningAlgorithm?) async throws(JWKSError) -> [VerificationKey] {
        guard let n, let e else { throw JWKSError(message: "RSA key lacks n or e") }
        let algorithms = declared.map { [$0] } ?? SigningAlgorithm.rsaFamily
        guard algorithms.allSatisfy(SigningAlgorithm.rsaFamily.contains) else {
            throw JWKSError(message: "RSA key declares a non-RSA algorithm")
        }
        let publicKey: Insecure.RSA.PublicKey
        do {
            publicKey = try Insecure.RSA.PublicKey(modulus: n, exponent: e)
        } catch {
            throw JWKSError(message: "RSA key parameters are invalid")
        }
        var result: [VerificationKey] = []
        for algorithm in algorithms {
            let digest: DigestAlgorithm =
                switch algorithm {
                case .rs384: .sha384
                case .rs512: .sha512
                default: .sha256
                }
            let collection = JWTKeyCollection()
            await collection.add(rsa: publicKey, digestAlgorithm: digest)
            result.append(VerificationKey(keyID: kid, algorithm: algorithm, verifier: collection))
        }
        return result
    }

    private func ecKeys(declared: SigningAlgorithm?) async throws(JWKSError) -> [VerificationKey] {
        guard let x, let y else { throw JWKSError(message: "EC key lacks x or y") }
        let collection = JWTKeyCollection()
        let algorithm: SigningAlgorithm
        do {
            switch crv {
            case "P-256":
                algorithm = .es256
                await collection.add(ecdsa: try ES256PublicKey(parameters: (x: x, y: y)))
            case "P-384":
                algorithm = .es384
                await collection.add(ecdsa: try ES384PublicKey(parameters: (x: x, y: y)))
            default:
                throw JWKSError(message: "EC curve '\(crv ?? "-")' is not accepted", isExpectedInSharedJWKS: true)
            }
        } catch let error as JWKSError {
            throw error
        } catch {
            throw JWKSError(message: "EC key coordinates are invalid")
        }
        if let declared, declared != algorithm {
            throw JWKSError(message: "EC key declares \(declared.rawValue) but its curve means \(algorithm.rawValue)")
        }
        return [VerificationKey(keyID: kid, algorithm: algorithm, verifier: collection)]
    }
}

/// A JWKS could not be loaded or contained no usable key.
public struct JWKSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, naming the file or URL where relevant.
    public var message: String

    /// Set for keys skipped on purpose (encryption keys, other algorithms), so they are logged quietly.
    var isExpectedInSharedJWKS = false

    /// Creates an error with a message.
    public init(message: String) {
        self.message = message
    }

    init(message: String, isExpectedInSharedJWKS: Bool) {
        self.message = message
        self.isExpectedInSharedJWKS = isExpectedInSharedJWKS
    }

    public var description: String { message }
}
