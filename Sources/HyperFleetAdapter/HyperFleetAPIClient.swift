import AsyncHTTPClient
import Foundation
import HyperFleetJSON
import HyperFleetModel
import Logging
import NIOCore
import NIOHTTP1
import Timing

/// An HTTP answer from the API: status code and body.
struct APIReply: Sendable {
    var status: Int
    var body: [UInt8]

    func json() throws -> JSONValue { try JSONValue.parse(body) }
    var text: String { String(decoding: body.prefix(500), as: UTF8.self) }
}

/// The API stayed unreachable or kept answering 5xx for every attempt.
struct APIUnavailableError: Error, CustomStringConvertible {
    var method: String
    var path: String
    var lastProblem: String
    var description: String { "\(method) \(path) failed after retries: \(lastProblem)" }
}

/// Talks to the HyperFleet API; retries network errors and 5xx with a capped exponential backoff.
struct HyperFleetAPIClient: Sendable {
    let settings: AdapterConfiguration.API
    let logger: Logger
    private let baseURL: String
    private static let maxBodyBytes = 16 << 20

    init(settings: AdapterConfiguration.API, logger: Logger) {
        self.settings = settings
        self.logger = logger
        var url = settings.url
        while url.hasSuffix("/") { url.removeLast() }
        baseURL = url
    }

    func get(_ path: String) async throws -> APIReply {
        try await send(.GET, path, body: nil)
    }

    func post(_ path: String, json: String) async throws -> APIReply {
        try await send(.POST, path, body: Array(json.utf8))
    }

    /// One attempt, no retry (for readiness probes).
    func probe(_ path: String, timeout: Duration) async -> Bool {
        guard let reply = try? await attempt(.GET, path, body: nil, timeout: timeout) else { return false }
        return reply.status < 500
    }

    /// Sends with retries. A POST of a status report is safe to repeat: the same `observed_time` at the
    /// same generation is accepted as a retry by the API.
    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> APIReply {
        let backoff = Backoff(base: settings.retryBase, max: settings.retryMax)
        var problem = ""
        for attemptNumber in 1...settings.maxAttempts {
            do {
                let reply = try await attempt(method, path, body: body, timeout: settings.timeout)
                if reply.status < 500 { return reply }
                problem = "HTTP \(reply.status): \(reply.text)"
            } catch let error as CancellationError {
                throw error
            } catch {
                try Task.checkCancellation()
                problem = "\(error)"
            }
            guard attemptNumber < settings.maxAttempts else { break }
            logger.debug("API request failed; retrying", metadata: [
                "method": "\(method)", "path": "\(path)", "attempt": "\(attemptNumber)", "problem": "\(problem)",
            ])
            try await Task.sleep(for: backoff.delay(attempt: attemptNumber))
        }
        throw APIUnavailableError(method: "\(method)", path: path, lastProblem: problem)
    }

    private func attempt(_ method: HTTPMethod, _ path: String, body: [UInt8]?, timeout: Duration) async throws -> APIReply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        if let token = try readToken() { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(milliseconds), logger: logger)
        let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
        return APIReply(status: Int(response.status.code), body: Array(buffer.readableBytesView))
    }

    /// The bearer token, re-read on every request so a rotated token file takes effect.
    private func readToken() throws -> String? {
        guard let file = settings.tokenFile else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw APIUnavailableError(method: "read", path: file, lastProblem: "cannot read api.token_file")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }
}
