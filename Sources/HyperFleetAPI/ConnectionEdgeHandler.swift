import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Performs `ConnectionEdge`'s actions on one connection. It sits in Hummingbird's HTTP/1.1 pipeline
/// (`HTTP1Channel.Configuration.additionalChannelHandlers`) after the codec, so it sees typed request
/// and response parts; one instance per connection.
final class ConnectionEdgeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var edge: ConnectionEdge

    init(maxBodyBytes: Int) {
        edge = ConnectionEdge(maxBodyBytes: maxBodyBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: ConnectionEdge.InboundAction
        switch unwrapInboundIn(data) {
        case .head(let head): action = edge.requestHead(head)
        case .body: action = edge.requestBodyOrEnd(isEnd: false)
        case .end: action = edge.requestBodyOrEnd(isEnd: true)
        }
        switch action {
        case .forward:
            context.fireChannelRead(data)
        case .forwardThenSendContinue:
            context.fireChannelRead(data)
            sendContinue(context)
        case .drop:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError, parserError == .headerOverflow {
            edge.headerBlockOverflowed()
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            switch edge.responseHead(head.status) {
            case .forward:
                context.write(data, promise: promise)
            case .forwardAs(let status):
                head.status = status
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            switch edge.responseEnd() {
            case .forward:
                context.write(data, promise: promise)
            case .forwardThenSendContinue:
                context.write(data, promise: promise)
                sendContinue(context)
            case .forwardThenClose:
                // Close once the answer is out: closing at once would drop it while the socket is full.
                let written = promise ?? context.eventLoop.makePromise(of: Void.self)
                let channel = context.channel
                written.futureResult.whenComplete { _ in channel.close(promise: nil) }
                context.writeAndFlush(data, promise: written)
            }
        }
    }

    private func sendContinue(_ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
    }
}
