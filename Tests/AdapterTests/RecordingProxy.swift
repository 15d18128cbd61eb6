import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HyperFleetJSON
import NIOCore
import NIOHTTP1
import Synchronization

/// An HTTP proxy in front of the harness's real API that records what the adapter sends: method, path
/// the W3C trace headers and the body of every request. (The API itself does not expose request headers,
/// and it keeps only the newest report of each adapter.)
final class RecordingProxy: Sendable {
    struct Seen: Sendable, CustomStringConvertible {
        var method: String
        /// The path with its query string.
        var uri: String
        var traceparent: String?
        var tracestate: String?
        var body: String

        var description: String { "\(method) \(uri) traceparent=\(traceparent ?? "-") tracestate=\(tracestate ?? "-")" }
    }

    private let seen = Mutex<[Seen]>([])
    private let port = Mutex<Int>(0)

    private init() {}

    /// The proxy's base URL, for the adapter's `api.url`.
    var url: String { "http://127.0.0.1:\(port.withLock { $0 })" }

    var requests: [Seen] { seen.withLock { $0 } }

    /// The status reports sent through the proxy so far, in order.
    func reports() throws -> [JSONValue] {
        try requests.filter { $0.method == "POST" && $0.uri.hasSuffix("/statuses") }.map { try JSONValue.parse(Array($0.body.utf8)) }
    }

    /// Runs `body` while a proxy forwards to `target` (scheme, host and port).
    static func run<T: Sendable>(forwardingTo target: String, _ body: @Sendable (RecordingProxy) async throws -> T) async throws -> T {
        let proxy = RecordingProxy()
        let router = Router()
        let forward: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            proxy.seen.withLock {
                $0.append(Seen(
                    method: request.method.rawValue, uri: request.uri.description, traceparent: request.headers[.init("traceparent")!],
                    tracestate: request.headers[.init("tracestate")!], body: String(buffer: body)))
            }
            var outgoing = HTTPClientRequest(url: target + request.uri.description)
            outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
            for field in request.headers where !["host", "content-length", "connection"].contains(field.name.canonicalName) {
                outgoing.headers.add(name: field.name.rawName, value: field.value)
            }
            outgoing.body = .bytes(body)
            let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(10))
            var headers = HTTPFields()
            headers[.contentType] = response.headers.first(name: "content-type") ?? "application/json"
            return Response(
                status: .init(code: Int(response.status.code)), headers: headers,
                body: ResponseBody(byteBuffer: try await response.body.collect(upTo: 16 << 20)))
        }
        router.get("**", use: forward)
        router.post("**", use: forward)
        var configuration = ApplicationConfiguration()
        configuration.address = .hostname("127.0.0.1", port: 0)
        let app = Application(router: router, configuration: configuration)
        return try await app.test(.live) { client in
            proxy.port.withLock { $0 = client.port! }
            return try await body(proxy)
        }
    }
}
