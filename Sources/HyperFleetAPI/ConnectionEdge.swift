import HTTPTypes

/// What the API adds to Hummingbird's HTTP/1.1 connection, as a state machine over the parts going in
/// and out of one connection (no I/O here; `ConnectionEdgeHandler` performs the actions):
///
/// - `Expect: 100-continue`: the interim `100 Continue` is sent for a request whose declared body is
///   within the limit, but never inside an earlier pipelined response: it waits for that response's end.
/// - A declared `Content-Length` over the limit: the request head goes on (a middleware answers 413
///   without reading), its body is dropped as it arrives, and the connection closes after that answer
///   instead of draining a body the server will never use.
/// - An oversized header block: NIO's decoder fails with `headerOverflow`, after which Hummingbird
///   writes a bare 400 and closes. That one response (found by counting request heads against
///   response heads, so an earlier pipelined 400 is never touched) becomes 431.
struct ConnectionEdge {
    enum InboundAction: Equatable {
        case forward
        case forwardThenSendContinue
        case drop
    }

    enum OutboundHeadAction: Equatable {
        case forward
        case forwardAs(HTTPResponse.Status)
    }

    enum OutboundEndAction: Equatable {
        case forward
        case forwardThenSendContinue
        case forwardThenClose
    }

    let maxBodyBytes: Int
    /// Request heads read so far; the current request is number `requestsRead`.
    private var requestsRead = 0
    /// Final (non-1xx) response heads written so far.
    private var responsesStarted = 0
    /// Responses whose end was written.
    private var responsesFinished = 0
    /// The body of the current request is being dropped (declared over the limit).
    private var droppingBody = false
    /// Close once the response to this request has ended.
    private var closeAfterResponse: Int?
    /// A request that asked for `100 Continue` while an earlier response was still being written.
    private var continuePending: Int?
    /// Set when the header block overflowed: the number of requests read before the broken one.
    private var headerOverflowAfter: Int?

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    mutating func requestHead(_ head: HTTPRequest) -> InboundAction {
        requestsRead += 1
        let declaredLength = head.headerFields[.contentLength].flatMap { Int($0) }
        if let declaredLength, declaredLength > maxBodyBytes {
            droppingBody = true
            closeAfterResponse = closeAfterResponse ?? requestsRead
            return .forward
        }
        droppingBody = false
        guard head.headerFields[.expect]?.lowercased() == "100-continue" else { return .forward }
        if responsesFinished == requestsRead - 1 { return .forwardThenSendContinue }
        continuePending = requestsRead
        return .forward
    }

    /// A body part or the end of a request.
    mutating func requestBodyOrEnd(isEnd: Bool) -> InboundAction {
        guard droppingBody else { return .forward }
        if isEnd { droppingBody = false }
        return .drop
    }

    mutating func headerBlockOverflowed() {
        headerOverflowAfter = headerOverflowAfter ?? requestsRead
    }

    mutating func responseHead(_ status: HTTPResponse.Status) -> OutboundHeadAction {
        guard status.kind != .informational else { return .forward }
        responsesStarted += 1
        if let headerOverflowAfter, responsesStarted == headerOverflowAfter + 1, status == .badRequest {
            return .forwardAs(.init(code: 431, reasonPhrase: "Request Header Fields Too Large"))
        }
        return .forward
    }

    mutating func responseEnd() -> OutboundEndAction {
        responsesFinished += 1
        if let closeAfterResponse, responsesFinished >= closeAfterResponse { return .forwardThenClose }
        if let pending = continuePending, pending == responsesFinished + 1 {
            continuePending = nil
            return .forwardThenSendContinue
        }
        return .forward
    }
}
