import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// The API's HTTP/1.1 connections: Hummingbird's server, router and middlewares, with the connection
/// itself driven by one NIO channel handler after NIO's request parser.
///
/// Hummingbird's own `HTTP1Channel` hands every request part and response part across an
/// `NIOAsyncChannel`, between the event loop and a task on the cooperative pool. For a GET by id that
/// bridge and its thread wake-ups cost a large share of the request's CPU (benchmarks/README.md).
/// Here the event loop collects a request (its body up to one byte over the limit, so the route still
/// answers 413 and a huge body is never held), one task answers it through the router, and the
/// response goes back to the event loop in one hop and out in one write. Pipelined requests queue
/// and are answered in order; reading stops while `HTTP1Wire.maxQueuedRequests` wait.
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
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            let responder = self.responder
            try pipeline.addHandler(APIRequestHandler(
                respond: { request, context in try await responder.respond(to: request, context: context) },
                maxBodyBytes: maxBodyBytes, idleTimeout: idleTimeout.map(TimeAmount.init), serverName: serverName,
                logger: logger))
            return Value(channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        try? await value.channel.closeFuture.get()
    }
}

/// Collects each request on the event loop, answers it through the responder, writes the response.
///
/// The connection closes after the answer to a request that asked for it (`Connection: close`, or
/// HTTP/1.0 without keep-alive), and after the answers to everything already received once the
/// client shut down its sending side or the server began shutting down. A malformed request gets
/// 400 after the answers before it, then the close. An idle connection (no request, or one that
/// stopped arriving) is closed after `idleTimeout`; a request being answered is never cut off.
///
/// Not generic over the responder: a generic handler made the runtime look up its type metadata
/// several times per request.
final class APIRequestHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A whole request, read and waiting for its answer.
    private struct Received {
        let request: Request
        let keepAlive: Bool
        /// An HTTP/1.0 client keeps the connection only when the response says so.
        let isHTTP10: Bool
        let isHead: Bool
    }

    typealias Respond = @Sendable (Request, APIRequestContext) async throws -> Response

    private let respond: Respond
    private let maxBodyBytes: Int
    private let idleTimeout: TimeAmount?
    private let serverName: String
    private let logger: Logger

    /// The request being read: its head (already converted), keep-alive, and its body so far.
    private var head: (request: HTTPRequest, keepAlive: Bool, isHTTP10: Bool)?
    private var body = ByteBuffer()
    /// Requests read while another is answered.
    private var queue = CircularBuffer<Received>()
    private var isAnswering = false
    /// The client shut down its sending side, or the server is shutting down: close once everything
    /// received is answered.
    private var closeWhenDone = false
    /// The request parser failed: answer 400 once everything before it is answered, then close.
    private var malformed = false
    /// A `read` held back while the queue is full.
    private var readIsHeld = false
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?

    init(respond: @escaping Respond, maxBodyBytes: Int, idleTimeout: TimeAmount?, serverName: String, logger: Logger) {
        self.respond = respond
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.serverName = serverName
        self.logger = logger
    }

    // MARK: Reading requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastActivity = .now()
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            guard let request = Self.request(from: requestHead) else {
                protocolError(context: context)
                return
            }
            head = (request, requestHead.isKeepAlive, requestHead.version == .http1_0)
            body = ByteBuffer()
            // Requests are answered once their whole body is here, so a client that asks before sending
            // one (`Expect: 100-continue`; curl does above 1 KiB) is told to send it at once instead of
            // waiting out its own timeout. (Not while an earlier answer is still to be written.)
            if !isAnswering, queue.isEmpty, request.headerFields[.expect]?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(HTTP1Wire.continueResponse), promise: nil)
            }
        case .body(var part):
            guard head != nil else { return }
            let room = maxBodyBytes + 1 - body.readableBytes
            if room > 0, var kept = part.readSlice(length: min(room, part.readableBytes)) {
                body.writeBuffer(&kept)
            }
        case .end:
            guard let (request, keepAlive, isHTTP10) = head else { return }
            head = nil
            let received = Received(
                request: Request(head: request, body: RequestBody(buffer: body)), keepAlive: keepAlive,
                isHTTP10: isHTTP10, isHead: request.method == .head)
            if isAnswering {
                queue.append(received)
            } else {
                answer(received, context: context)
            }
        }
    }

    /// The request in HTTPTypes' form; nil for a method or target HTTPTypes rejects. The usual
    /// origin-form target (`/path?query`) is taken as it is; other forms go through NIO's conversion.
    private static func request(from head: HTTPRequestHead) -> HTTPRequest? {
        if head.uri.utf8.first == UInt8(ascii: "/") {
            guard let method = try? HTTPRequest.Method(head.method) else { return nil }
            return HTTPRequest(
                method: method, scheme: "http", authority: head.headers.first(name: "host"), path: head.uri,
                headerFields: HTTPFields(head.headers, splitCookie: false))
        }
        return try? HTTPRequest(head, secure: false, splitCookie: false)
    }

    /// Reading stops while the queue of pipelined requests is full.
    func read(context: ChannelHandlerContext) {
        if queue.count >= HTTP1Wire.maxQueuedRequests {
            readIsHeld = true
        } else {
            context.read()
        }
    }

    /// The server allows half-closed connections (Hummingbird's setting), so a client's end of input
    /// arrives here, after every request sent before it; the connection closes once those are answered.
    /// The server's shutdown arrives here too.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            closeWhenDone = true
            closeIfDone(context: context)
            return
        }
        if event is ChannelShouldQuiesceEvent {
            closeWhenDone = true
            closeIfDone(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A request NIO's parser rejects gets 400 after the answers before it; any other error ends the
    /// connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            protocolError(context: context)
        } else {
            logger.debug("closing connection after error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    private func protocolError(context: ChannelHandlerContext) {
        guard !malformed else { return }
        malformed = true
        head = nil
        closeIfDone(context: context)
    }

    // MARK: Answering

    private func answer(_ received: Received, context: ChannelHandlerContext) {
        isAnswering = true
        let channel = context.channel
        let loop = context.eventLoop
        let boundContext = NIOLoopBound(context, eventLoop: loop)
        let boundHandler = NIOLoopBound(self, eventLoop: loop)
        let respond = self.respond
        let serverName = self.serverName
        let logger = self.logger
        let request = received.request
        let keepAlive = received.keepAlive
        let isHead = received.isHead
        let isHTTP10 = received.isHTTP10
        Task {
            var response: Response
            do {
                response = try await respond(request, APIRequestContext(source: .init(channel: channel, logger: logger)))
            } catch {
                logger.error("request failed outside the error middleware", metadata: ["error": "\(String(reflecting: error))"])
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = HTTPDate.now()
            response.headers[.server] = serverName
            if !keepAlive {
                response.headers[.connection] = "close"
            } else if isHTTP10 {
                response.headers[.connection] = "keep-alive"
            }
            let collector = ResponseBodyCollector()
            do {
                try await response.body.write(collector)
            } catch {
                logger.error("response body failed", metadata: ["error": "\(String(reflecting: error))"])
                loop.execute { boundContext.value.close(promise: nil) }
                return
            }
            if response.headers[.contentLength] == nil, HTTP1Wire.statusHasBody(response.status) {
                response.headers[.contentLength] = String(collector.byteCount)
            }
            let head = response.head
            let parts = collector.buffers
            let bodyBytes = isHead ? 0 : collector.byteCount
            loop.execute {
                let context = boundContext.value
                var bytes = context.channel.allocator.buffer(capacity: 256 + bodyBytes)
                HTTP1Wire.writeHead(head, to: &bytes)
                if !isHead {
                    for var part in parts { bytes.writeBuffer(&part) }
                }
                boundHandler.value.answered(bytes, keepAlive: keepAlive, context: context)
            }
        }
    }

    /// On the event loop: the answer is written; the next queued request is answered, or the
    /// connection closes when it should.
    private func answered(_ bytes: ByteBuffer, keepAlive: Bool, context: ChannelHandlerContext) {
        isAnswering = false
        lastActivity = .now()
        context.write(wrapOutboundOut(bytes), promise: nil)
        guard keepAlive else {
            flushAndClose(context: context)
            return
        }
        if let next = queue.popFirst() {
            context.flush()
            if readIsHeld, queue.count < HTTP1Wire.maxQueuedRequests {
                readIsHeld = false
                context.read()
            }
            answer(next, context: context)
        } else if malformed || closeWhenDone {
            closeIfDone(context: context)
        } else {
            context.flush()
        }
    }

    /// Closes the connection once nothing received is left to answer, if it should close.
    private func closeIfDone(context: ChannelHandlerContext) {
        guard !isAnswering, queue.isEmpty else { return }
        if malformed {
            context.write(wrapOutboundOut(HTTP1Wire.badRequestResponse), promise: nil)
            flushAndClose(context: context)
        } else if closeWhenDone {
            flushAndClose(context: context)
        }
    }

    /// Closes after everything written so far has gone out (writes complete in order, so an empty one
    /// completes after them).
    private func flushAndClose(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer())).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: Idle connections

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleIdleCheck(context: context, from: .now()) }
    }

    func channelActive(context: ChannelHandlerContext) {
        scheduleIdleCheck(context: context, from: .now())
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
    }

    /// Checks for idleness `idleTimeout` after `start` (nothing to do without a timeout, or with a
    /// check already scheduled).
    private func scheduleIdleCheck(context: ChannelHandlerContext, from start: NIODeadline) {
        guard let idleTimeout, idleCheck == nil else { return }
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleCheck = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: start + idleTimeout) {
            self.idleCheckFired(context: boundContext.value)
        }
    }

    private func idleCheckFired(context: ChannelHandlerContext) {
        idleCheck = nil
        guard let idleTimeout, context.channel.isActive else { return }
        let now = NIODeadline.now()
        if isAnswering || !queue.isEmpty {
            scheduleIdleCheck(context: context, from: now)
        } else if now - lastActivity >= idleTimeout {
            logger.debug("closing idle connection")
            context.close(promise: nil)
        } else {
            scheduleIdleCheck(context: context, from: lastActivity)
        }
    }
}

/// HTTP/1.1 as the API speaks it: whole responses in one buffer, a bounded pipeline.
enum HTTP1Wire {
    /// Pipelined requests wait in order; at this many the socket is not read until one is answered.
    static let maxQueuedRequests = 16

    static var continueResponse: ByteBuffer { ByteBuffer(string: "HTTP/1.1 100 Continue\r\n\r\n") }

    static var badRequestResponse: ByteBuffer {
        ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    }

    /// RFC 9110 6.4.1: no content (and no Content-Length) in 1xx, 204 and 304 responses.
    static func statusHasBody(_ status: HTTPResponse.Status) -> Bool {
        !(status.kind == .informational || status == .noContent || status == .notModified)
    }

    /// The status line and header fields of an HTTP/1.1 response, ending with the empty line.
    static func writeHead(_ head: HTTPResponse, to buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(head.status.code))
        buffer.writeStaticString(" ")
        // (A status made from a bare code has no phrase of its own; NIO knows the standard ones.)
        buffer.writeString(
            head.status.reasonPhrase.isEmpty
                ? HTTPResponseStatus(statusCode: head.status.code).reasonPhrase : head.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        for field in head.headerFields {
            buffer.writeString(field.name.rawName)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
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
