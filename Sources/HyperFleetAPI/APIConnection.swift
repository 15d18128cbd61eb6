import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The API's HTTP/1.1 connections: Hummingbird's server, router and middlewares, with the connection
/// itself driven by an NIO channel handler.
///
/// Hummingbird's own `HTTP1Channel` hands every request part and response part across an
/// `NIOAsyncChannel`, between the event loop and a task on the cooperative pool. For a GET by id that
/// bridge and its thread wake-ups cost a large share of the request's CPU (benchmarks/README.md).
/// Here the event loop collects a request (its body up to one byte over the limit, so the route still
/// answers 413 and a huge body is never held), one task answers it through the router, and the
/// response goes back to the event loop in one hop. NIO's pipelining handler keeps one request per
/// connection in flight, so pipelined requests are answered in order.
struct APIConnectionChannel<Responder: HTTPResponder>: ServerChildChannel where Responder.Context == APIRequestContext {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
    }

    let responder: Responder
    /// Bodies are kept up to this many bytes plus one; the rest is read and dropped.
    let maxBodyBytes: Int
    /// A connection without a request, or with one that stopped arriving, is closed after this long.
    let idleTimeout: Duration?
    let serverName: String

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // Malformed requests get NIO's 400 and a close; header and value checks are HTTPTypes'.
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: true, withErrorHandling: true, withOutboundHeaderValidation: false)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            // Closes idle or stalled connections, and each connection after its response in flight when the
            // server shuts down; a request being answered is never cut off.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
            try pipeline.addHandler(APIRequestHandler(
                responder: responder, maxBodyBytes: maxBodyBytes, serverName: serverName, logger: logger))
            return Value(channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        try? await value.channel.closeFuture.get()
    }
}

/// Collects each request on the event loop, answers it through the responder, writes the response.
final class APIRequestHandler<Responder: HTTPResponder>: ChannelInboundHandler where Responder.Context == APIRequestContext {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let responder: Responder
    private let maxBodyBytes: Int
    private let serverName: String
    private let logger: Logger
    private var head: HTTPRequest?
    private var body = ByteBuffer()
    /// A request is being answered (NIO's pipelining handler holds back the next one until then).
    private var isAnswering = false
    /// The client shut down its sending side: close once the request being answered is written.
    private var inputClosed = false

    init(responder: Responder, maxBodyBytes: Int, serverName: String, logger: Logger) {
        self.responder = responder
        self.maxBodyBytes = maxBodyBytes
        self.serverName = serverName
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = ByteBuffer()
            // Requests are answered once their whole body is here, so a client that asks before sending
            // one (`Expect: 100-continue`; curl does above 1 KiB) is told to send it at once instead of
            // waiting out its own timeout.
            if requestHead.headerFields[.expect]?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        case .body(var part):
            let room = maxBodyBytes + 1 - body.readableBytes
            if room > 0, let kept = part.readSlice(length: min(room, part.readableBytes)) {
                var kept = kept
                body.writeBuffer(&kept)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            isAnswering = true
            respond(to: Request(head: requestHead, body: RequestBody(buffer: body)), context: context)
        }
    }

    /// The server allows half-closed connections (Hummingbird's setting), so a client's end of input
    /// arrives here, after every request sent before it; the connection closes once those are answered.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            inputClosed = true
            if !isAnswering { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// NIO's error handler has already answered a malformed request with 400; the connection ends.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("closing connection after error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func respond(to request: Request, context: ChannelHandlerContext) {
        let channel = context.channel
        let loop = context.eventLoop
        let boundContext = NIOLoopBound(context, eventLoop: loop)
        let boundHandler = NIOLoopBound(self, eventLoop: loop)
        let responder = self.responder
        let serverName = self.serverName
        let logger = self.logger
        let closeAfter = request.headers[.connection]?.lowercased() == "close"
        Task {
            var response: Response
            do {
                response = try await responder.respond(
                    to: request, context: APIRequestContext(source: .init(channel: channel, logger: logger)))
            } catch {
                logger.error("request failed outside the error middleware", metadata: ["error": "\(String(reflecting: error))"])
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = HTTPDate.now()
            response.headers[.server] = serverName
            if closeAfter { response.headers[.connection] = "close" }
            let collector = ResponseBodyCollector()
            do {
                try await response.body.write(collector)
            } catch {
                logger.error("response body failed", metadata: ["error": "\(String(reflecting: error))"])
                loop.execute { boundContext.value.close(promise: nil) }
                return
            }
            if response.headers[.contentLength] == nil {
                response.headers[.contentLength] = String(collector.byteCount)
            }
            let head = response.head
            let parts = collector.buffers
            loop.execute {
                let context = boundContext.value
                let handler = boundHandler.value
                handler.isAnswering = false
                context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
                for part in parts { context.write(NIOAny(HTTPResponsePart.body(part)), promise: nil) }
                if closeAfter || handler.inputClosed {
                    context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil))).whenComplete { _ in boundContext.value.close(promise: nil) }
                } else {
                    context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil)), promise: nil)
                }
            }
        }
    }
}

/// Keeps a response body's buffers: every body this API sends is one buffer or a few.
private final class ResponseBodyCollector: ResponseBodyWriter, @unchecked Sendable {
    private(set) var buffers: [ByteBuffer] = []
    private(set) var byteCount = 0

    func write(_ buffer: ByteBuffer) async throws {
        byteCount += buffer.readableBytes
        buffers.append(buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
