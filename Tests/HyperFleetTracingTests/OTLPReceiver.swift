import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny OTLP/HTTP receiver on 127.0.0.1 for the tests: it records each request and answers 200 with an
/// empty protobuf message (a full success), or, when `silent`, never answers at all.
final class OTLPReceiver: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var contentType: String?
        var body: [UInt8]
    }

    private let channel: any Channel
    private let recorded: Mutex<[Request]>

    var port: Int { channel.localAddress!.port! }
    var requests: [Request] { recorded.withLock { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
        self.recorded = Mutex([])
    }

    static func start(silent: Bool = false) async throws -> OTLPReceiver {
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

    func stop() async throws {
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
func unusedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}
