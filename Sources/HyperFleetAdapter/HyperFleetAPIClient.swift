import AsyncHTTPClient
import Foundation
import HyperFleetJSON
import HyperFleetModel
import HyperFleetTracing
import Logging
import NIOCore
import NIOHTTP1
import Timing
import Tracing

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
/// Traced, each call is a client span (`APICall`) whose context every attempt sends as `traceparent`.
struct HyperFleetAPIClient: Sendable {
    let settings: AdapterConfiguration.API
    let logger: Logger
    /// Nil: tracing off (no spans, no trace headers).
    let tracer: (any Tracer)?
    private let baseURL: String
    private static let maxBodyBytes = 16 << 20

    init(settings: AdapterConfiguration.API, logger: Logger, tracer: (any Tracer)? = nil) {
        self.settings = settings
        self.logger = logger
        self.tracer = tracer
        var url = settings.url
        while url.hasSuffix("/") { url.removeLast() }
        baseURL = url
    }

    func get(_ path: String, _ call: APICall) async throws -> APIReply {
        try await traced(call, .GET, path, body: nil)
    }

    func post(_ path: String, json: String, _ call: APICall) async throws -> APIReply {
        try await traced(call, .POST, path, body: Array(json.utf8))
    }

    /// One attempt, no retry (for readiness probes).
    func probe(_ path: String, timeout: Duration) async -> Bool {
        guard let reply = try? await attempt(.GET, path, body: nil, timeout: timeout) else { return false }
        return reply.status < 500
    }

    /// `send` inside the call's client span (a child of the active span), when tracing is on.
    private func traced(_ call: APICall, _ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> APIReply {
        guard let tracer else {
            var attempts = 0
            return try await send(method, path, body: body, traceHeaders: nil, attempts: &attempts)
        }
        return try await tracer.withSpan(call.spanName, ofKind: .client) { span in
            span.attributes[AdapterSpans.Attribute.method] = method.rawValue
            span.attributes[AdapterSpans.Attribute.urlTemplate] = call.template
            span.attributes[AdapterSpans.Attribute.resourceType] = call.target.resourceType
            span.attributes[AdapterSpans.Attribute.resourceID] = call.target.id
            var headers = HTTPHeaders()
            tracer.inject(span.context, into: &headers, using: HTTPHeadersInjector())
            var attempts = 0
            do {
                let reply = try await send(method, path, body: body, traceHeaders: headers, attempts: &attempts)
                if attempts > 1 { span.attributes[AdapterSpans.Attribute.resendCount] = attempts - 1 }
                span.attributes[AdapterSpans.Attribute.statusCode] = reply.status
                // OpenTelemetry's HTTP conventions: a 4xx or 5xx answer fails a client span.
                if reply.status >= 400 {
                    span.attributes[AdapterSpans.Attribute.errorType] = String(reply.status)
                    span.setStatus(.init(code: .error))
                }
                return reply
            } catch {
                if attempts > 1 { span.attributes[AdapterSpans.Attribute.resendCount] = attempts - 1 }
                if !(error is CancellationError) { span.attributes[AdapterSpans.Attribute.errorType] = "unavailable" }
                throw error
            }
        }
    }

    /// Sends with retries. A POST of a status report is safe to repeat: the same `observed_time` at the
    /// same generation is accepted as a retry by the API.
    private func send(
        _ method: HTTPMethod, _ path: String, body: [UInt8]?, traceHeaders: HTTPHeaders?, attempts: inout Int
    ) async throws -> APIReply {
        let backoff = Backoff(base: settings.retryBase, max: settings.retryMax)
        var problem = ""
        for attemptNumber in 1...settings.maxAttempts {
            attempts = attemptNumber
            do {
                let reply = try await attempt(method, path, body: body, timeout: settings.timeout, traceHeaders: traceHeaders)
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

    private func attempt(
        _ method: HTTPMethod, _ path: String, body: [UInt8]?, timeout: Duration, traceHeaders: HTTPHeaders? = nil
    ) async throws -> APIReply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let traceHeaders { request.headers.add(contentsOf: traceHeaders) }
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
