import Foundation
import HyperFleetJSON
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny OTLP/HTTP receiver on 127.0.0.1 for the tests: it records each request and answers 200 with an
/// empty protobuf message (a full success), or, when `silent`, never answers at all. Spans exported with
/// `otlp_protocol: http/json` can be read back with `spans`.
public final class OTLPReceiver: Sendable {
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var uri: String
        public var contentType: String?
        public var body: [UInt8]
    }

    private let channel: any Channel
    private let recorded: Mutex<[Request]>

    public var port: Int { channel.localAddress!.port! }
    public var requests: [Request] { recorded.withLock { $0 } }
    /// The base URL to give as `otlp_endpoint`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(channel: any Channel) {
        self.channel = channel
        self.recorded = Mutex([])
    }

    public static func start(silent: Bool = false) async throws -> OTLPReceiver {
        let box = RecordBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                if silent { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let receiver = OTLPReceiver(channel: channel)
        box.receiver.withLock { $0 = receiver }
        return receiver
    }

    public func stop() async throws {
        try await channel.close()
    }

    fileprivate func record(_ request: Request) {
        recorded.withLock { $0.append(request) }
    }

    /// Breaks the cycle between the bootstrap's handlers and the receiver they record into.
    private final class RecordBox: Sendable {
        let receiver = Mutex<OTLPReceiver?>(nil)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let box: RecordBox
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(box: RecordBox) { self.box = box }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                box.receiver.withLock {
                    $0?.record(Request(method: head.method, uri: head.uri, contentType: head.headers.first(name: "content-type"), body: body))
                }
                let headers = HTTPHeaders([("content-type", "application/x-protobuf"), ("content-length", "0")])
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

/// A loopback port that nothing listens on (bound, then closed again).
public func unusedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

/// One span as exported over OTLP/HTTP in JSON: ids in lower-case hex (swift-otel writes the id bytes in
/// base64, the OTLP specification in hex; both are read), attributes as text.
public struct ExportedSpan: Sendable, CustomStringConvertible {
    public var service: String
    public var name: String
    /// OTLP's span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    public var kind: Int
    public var traceID: String
    public var spanID: String
    /// Empty for a root span.
    public var parentSpanID: String
    public var attributes: [String: String]
    public var links: [(traceID: String, spanID: String)]
    /// OTLP's status code: 0 unset, 1 ok, 2 error.
    public var statusCode: Int

    public var description: String {
        "\(service) '\(name)' trace \(traceID) span \(spanID) parent \(parentSpanID.isEmpty ? "-" : parentSpanID) \(attributes)"
    }
}

extension OTLPReceiver {
    /// Every span received so far in JSON requests (protobuf requests are skipped).
    public var spans: [ExportedSpan] {
        requests.filter { $0.contentType?.hasPrefix("application/json") == true }.flatMap { request -> [ExportedSpan] in
            guard let document = try? JSONValue.parse(request.body) else { return [] }
            return ExportedSpan.spans(in: document)
        }
    }

    /// Waits until the spans received satisfy `condition` (at most `timeout`), and returns them.
    public func spans(
        within timeout: Duration = .seconds(20), until condition: ([ExportedSpan]) -> Bool
    ) async throws -> [ExportedSpan] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let received = spans
            if condition(received) || ContinuousClock.now >= deadline { return received }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension ExportedSpan {
    static func spans(in document: JSONValue) -> [ExportedSpan] {
        var spans: [ExportedSpan] = []
        for resourceSpans in document.objectValue?["resourceSpans"]?.arrayValue ?? [] {
            let resource = attributes(resourceSpans.objectValue?["resource"]?.objectValue?["attributes"])
            for scopeSpans in resourceSpans.objectValue?["scopeSpans"]?.arrayValue ?? [] {
                for span in scopeSpans.objectValue?["spans"]?.arrayValue ?? [] {
                    guard let fields = span.objectValue else { continue }
                    let links = (fields["links"]?.arrayValue ?? []).map { link in
                        (traceID: hexID(link.objectValue?["traceId"]), spanID: hexID(link.objectValue?["spanId"]))
                    }
                    spans.append(ExportedSpan(
                        service: resource["service.name"] ?? "", name: fields["name"]?.stringValue ?? "",
                        kind: Int(fields["kind"]?.exactIntegerValue ?? 0), traceID: hexID(fields["traceId"]),
                        spanID: hexID(fields["spanId"]), parentSpanID: hexID(fields["parentSpanId"]),
                        attributes: attributes(fields["attributes"]), links: links,
                        statusCode: Int(fields["status"]?.objectValue?["code"]?.exactIntegerValue ?? 0)))
                }
            }
        }
        return spans
    }

    /// `[{"key": ..., "value": {"stringValue"|"intValue"|"boolValue"|"doubleValue": ...}}]` as text.
    private static func attributes(_ list: JSONValue?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in list?.arrayValue ?? [] {
            guard let key = attribute.objectValue?["key"]?.stringValue, let value = attribute.objectValue?["value"]?.objectValue?.first else {
                continue
            }
            switch value.value {
            case .string(let text): result[key] = text
            case .bool(let flag): result[key] = String(flag)
            case .int(let number): result[key] = String(number)
            case .double(let number): result[key] = String(number)
            default: result[key] = "\(value.value)"
            }
        }
        return result
    }

    private static func hexID(_ value: JSONValue?) -> String {
        guard let text = value?.stringValue, !text.isEmpty else { return "" }
        if (text.count == 32 || text.count == 16), text.allSatisfy({ $0.isHexDigit }) { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text) else { return text }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
