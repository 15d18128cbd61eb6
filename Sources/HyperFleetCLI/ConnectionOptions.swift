import ArgumentParser
import Foundation
import HyperFleetClient

/// `--server` and `--token-file`, shared by every client command.
struct ConnectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The API's base URL (default: HYPERFLEET_SERVER, else \(HyperFleetClient.defaultServer), what `hyperfleet dev` serves).",
        valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("A file holding the bearer token (default: the token in HYPERFLEET_TOKEN).", valueName: "path"))
    var tokenFile: String?

    func client(in context: CLIContext) throws(ClientError) -> HyperFleetClient {
        let server = server ?? context.environment["HYPERFLEET_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? HyperFleetClient.defaultServer
        guard server.hasPrefix("http://") || server.hasPrefix("https://") else {
            throw .invalidInput("--server must be an http:// or https:// URL, got '\(server)'")
        }
        let token: String?
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw .invalidInput("--token-file: cannot read '\(tokenFile)'")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            token = context.environment["HYPERFLEET_TOKEN"]
        }
        return HyperFleetClient(server: server, token: token)
    }
}

extension CLIContext {
    /// Runs a command's work: a client error is printed as `error: ...` and ends the command with exit 1.
    func perform(_ body: (CLIContext) async throws(ClientError) -> Void) async throws {
        do throws(ClientError) {
            try await body(self)
        } catch {
            output.printError("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}
