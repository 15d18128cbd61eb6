import HTTPTypes
import Testing

@testable import HyperFleetAPI

/// `ConnectionEdge` without I/O: the order of interim answers, the close after an oversized declared
/// body, and which 400 becomes 431.
@Suite("connection edge state machine")
struct ConnectionEdgeTests {
    func head(_ method: HTTPRequest.Method = .get, length: Int? = nil, expectContinue: Bool = false) -> HTTPRequest {
        var request = HTTPRequest(method: method, scheme: nil, authority: "t", path: "/")
        if let length { request.headerFields[.contentLength] = String(length) }
        if expectContinue { request.headerFields[.expect] = "100-continue" }
        return request
    }

    @Test func continueIsSentAtOnceWhenNothingIsOutstanding() {
        var edge = ConnectionEdge(maxBodyBytes: 100)
        #expect(edge.requestHead(head(.post, length: 10, expectContinue: true)) == .forwardThenSendContinue)
        #expect(edge.requestBodyOrEnd(isEnd: false) == .forward)
        #expect(edge.requestBodyOrEnd(isEnd: true) == .forward)
        #expect(edge.responseHead(.created) == .forward)
        #expect(edge.responseEnd() == .forward)
    }

    @Test func continueWaitsForTheEarlierResponseToEnd() {
        var edge = ConnectionEdge(maxBodyBytes: 100)
        #expect(edge.requestHead(head()) == .forward)
        #expect(edge.requestBodyOrEnd(isEnd: true) == .forward)
        #expect(edge.requestHead(head(.post, length: 10, expectContinue: true)) == .forward)
        #expect(edge.responseHead(.ok) == .forward)
        #expect(edge.responseEnd() == .forwardThenSendContinue)
        #expect(edge.responseHead(.created) == .forward)
        #expect(edge.responseEnd() == .forward)
    }

    @Test func anOversizedDeclaredBodyIsDroppedAndTheConnectionClosesAfterItsAnswer() {
        var edge = ConnectionEdge(maxBodyBytes: 100)
        #expect(edge.requestHead(head()) == .forward)
        #expect(edge.requestBodyOrEnd(isEnd: true) == .forward)
        #expect(edge.requestHead(head(.post, length: 101, expectContinue: true)) == .forward)
        #expect(edge.requestBodyOrEnd(isEnd: false) == .drop)
        #expect(edge.responseHead(.ok) == .forward)
        #expect(edge.responseEnd() == .forward)
        #expect(edge.responseHead(.contentTooLarge) == .forward)
        #expect(edge.responseEnd() == .forwardThenClose)
    }

    @Test func onlyTheParseErrorAnswerBecomes431() {
        var edge = ConnectionEdge(maxBodyBytes: 100)
        #expect(edge.requestHead(head()) == .forward)
        #expect(edge.requestBodyOrEnd(isEnd: true) == .forward)
        edge.headerBlockOverflowed()
        // The first request's own 400 (a bad parameter) stays 400; the next 400 is the parse error's.
        #expect(edge.responseHead(.badRequest) == .forward)
        #expect(edge.responseEnd() == .forward)
        #expect(edge.responseHead(.badRequest) == .forwardAs(.init(code: 431, reasonPhrase: "Request Header Fields Too Large")))
    }
}
