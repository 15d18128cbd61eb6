import Foundation
import HyperFleetAuth
import HyperFleetCLI
import JWTKit
import Logging
import Testing

@Suite("hyperfleet client commands with bearer tokens")
struct CLIAuthTests {
    /// An API that checks ES256 tokens against a JWKS file, and one token it accepts.
    static func signedToken() async throws -> (authenticator: BearerAuthenticator, token: String) {
        let key = ES256PrivateKey()
        let parameters = try #require(key.publicKey.parameters)
        let jwksFile = FileManager.default.temporaryDirectory.appendingPathComponent("hf-cli-jwks-\(UUID().uuidString).json").path
        try #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","kid":"cli","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
            .write(toFile: jwksFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: jwksFile) }
        var logger = Logger(label: "cli-auth")
        logger.logLevel = .critical
        let authenticator = try await BearerAuthenticator(configuration: AuthConfiguration(jwksFile: jwksFile), logger: logger)
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: "cli")
        let token = try await keys.sign(Claims(sub: "cli-user", exp: Int(Date().timeIntervalSince1970) + 600), kid: "cli")
        return (authenticator, token)
    }

    struct Claims: JWTPayload {
        var sub: String
        var exp: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test("no token -> 1 with the API's 401 reason; HYPERFLEET_TOKEN and --token-file are sent as the bearer token")
    func tokens() async throws {
        let (authenticator, token) = try await Self.signedToken()
        try await CLIHarness.run(authenticator: authenticator) { harness in
            let anonymous = await harness.cli(["get", "clusters"])
            #expect(anonymous.code == 1)
            #expect(anonymous.err.hasPrefix("error: ") && anonymous.err.lowercased().contains("token"), "\(anonymous.err)")

            let fromEnvironment = await harness.cli(["get", "clusters"], environment: ["HYPERFLEET_TOKEN": token])
            #expect(fromEnvironment.code == 0, "\(fromEnvironment.err)")

            let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("hf-cli-token-\(UUID().uuidString)").path
            try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: tokenFile) }
            // The file wins over the environment.
            let fromFile = await harness.cli(["get", "clusters", "--token-file", tokenFile], environment: ["HYPERFLEET_TOKEN": "not-a-token"])
            #expect(fromFile.code == 0, "\(fromFile.err)")

            let missingFile = await harness.cli(["get", "clusters", "--token-file", tokenFile + ".absent"])
            #expect(missingFile.code == 1)
            #expect(missingFile.err.contains("--token-file: cannot read"))
        }
    }
}
