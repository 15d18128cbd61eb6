import Foundation
import HTTPTypes
import HyperFleetModel
import HyperFleetStore
import Logging
import NIOCore
import Postgres
import PostgresTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import HyperFleetAPI

#if canImport(Glibc)
import Glibc
#endif

/// The API's HTTP/1.1 connections, spoken to over a raw socket: several requests in one write, a
/// `Connection: close`, a malformed request, a chunked body over the limit, and the standard headers.
@Suite("HTTP connections")
struct ConnectionTests {
    @Test func pipelinedRequestsAreAnsweredInOrderAndCloseIsHonoured() async throws {
        try await APIHarness.run { api in
            let id = try #require(try await api.createCluster("piped").at("id")?.stringValue)
            let missing = ResourceID.generate(at: .now())
            let requests = [
                request("GET /api/hyperfleet/v1/clusters/\(id)", operationID: "first"),
                request("GET /api/hyperfleet/v1/clusters/\(missing)", operationID: "second"),
                request("GET /api/hyperfleet", operationID: "third", extra: "Connection: close\r\n"),
            ].joined()
            // Read to the end: the server must close the connection after the third answer.
            let text = try await RawConnection(port: try #require(api.client.port)).exchange(requests)
            let answers = Self.responses(in: text)
            #expect(answers.map(\.status) == [200, 404, 200])
            #expect(answers.map { $0.headers["x-operation-id"] } == ["first", "second", "third"])
            #expect(answers[0].body.contains(#""id":"\#(id)""#))
            #expect(answers[1].body.contains("cluster '\(missing)' not found"))
            #expect(answers[2].headers["connection"] == "close")
        }
    }

    /// A client that shuts down its sending side gets the answer to what it sent, then the server
    /// closes too (a half-closed connection left open would never be reclaimed).
    @Test func aClientThatStopsSendingIsAnsweredAndThenClosed() async throws {
        try await APIHarness.run { api in
            let port = try #require(api.client.port)
            let idle = try await RawConnection(port: port).exchange("", halfClose: true)
            #expect(idle.isEmpty)
            let text = try await RawConnection(port: port).exchange(
                request("GET /api/hyperfleet", operationID: "one") + request("GET /api/hyperfleet", operationID: "two"),
                halfClose: true)
            let answers = Self.responses(in: text)
            #expect(answers.map(\.status) == [200, 200])
            #expect(answers.map { $0.headers["x-operation-id"] } == ["one", "two"])
        }
    }

    /// With an idle timeout of 1 s: a connection that sends nothing, one that stops in the middle of a
    /// body, and a keep-alive connection after its answer are all closed, none before the second is up.
    @Test func idleAndStalledConnectionsAreClosedAfterTheIdleTimeout() async throws {
        try await APIHarness.run(configure: { $0.idleTimeout = .seconds(1) }) { api in
            let connection = RawConnection(port: try #require(api.client.port))
            let stalled = "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"kind\":"
            for (name, text) in [("silent", ""), ("stalled body", stalled), ("after an answer", request("GET /api/hyperfleet", operationID: "idle"))] {
                let start = ContinuousClock.now
                let received = try await connection.exchange(text)
                let elapsed = ContinuousClock.now - start
                #expect(elapsed >= .milliseconds(900), "\(name): closed after \(elapsed)")
                let answers = Self.responses(in: received)
                #expect(answers.map(\.status) == (name == "after an answer" ? [200] : []), "\(name): \(received)")
            }
            // (The test client's own keep-alive connection is closed by now as well, so ask the database.)
            #expect(try await api.pool.query("SELECT count(*) AS n FROM clusters").first?.int("n") == 0)
        }
    }

    /// More pipelined requests than the handler queues before it stops reading: all answered, in order.
    @Test func aLongPipelineIsAnsweredInOrder() async throws {
        try await APIHarness.run { api in
            let count = 3 * HTTP1Wire.maxQueuedRequests
            let requests = (0..<count).map { index in
                request("GET /api/hyperfleet", operationID: "op-\(index)", extra: index == count - 1 ? "Connection: close\r\n" : "")
            }.joined()
            let answers = Self.responses(in: try await RawConnection(port: try #require(api.client.port)).exchange(requests))
            #expect(answers.count == count)
            #expect(answers.map { $0.headers["x-operation-id"] } == (0..<count).map { "op-\($0)" })
            #expect(answers.allSatisfy { $0.status == 200 })
        }
    }

    /// HTTP/1.0: the connection is kept only when the client asks, and the answer says so; after an
    /// answer without keep-alive the connection closes and later requests are not answered.
    @Test func http10KeepAliveIsHonouredAndEchoed() async throws {
        try await APIHarness.run { api in
            let text = try await RawConnection(port: try #require(api.client.port)).exchange(
                "GET /api/hyperfleet HTTP/1.0\r\nConnection: keep-alive\r\nX-Operation-ID: kept\r\n\r\n"
                    + "GET /api/hyperfleet HTTP/1.0\r\nX-Operation-ID: last\r\n\r\n"
                    + "GET /api/hyperfleet HTTP/1.0\r\nX-Operation-ID: unanswered\r\n\r\n")
            let answers = Self.responses(in: text)
            #expect(answers.map { $0.headers["x-operation-id"] } == ["kept", "last"])
            #expect(answers.map { $0.headers["connection"] } == ["keep-alive", "close"])
        }
    }

    /// A HEAD answer has the head of the GET-style answer (here 405, with its standard reason phrase and
    /// the length of the body it would have) and no body; a 204 has no Content-Length at all.
    @Test func headAnswersCarryNoBodyAndStatusLinesHaveReasonPhrases() async throws {
        try await APIHarness.run { api in
            let text = try await RawConnection(port: try #require(api.client.port)).exchange(
                "HEAD /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
            #expect(text.hasSuffix("\r\n\r\n"), "a body followed the head: \(text)")
            let length = try #require(Self.responses(in: text).first?.headers["content-length"].flatMap(Int.init))
            #expect(length > 0)
            var written = ByteBuffer()
            HTTP1Wire.writeHead(HTTPResponse(status: .init(code: 204)), to: &written)
            #expect(String(buffer: written) == "HTTP/1.1 204 No Content\r\n\r\n")
            #expect(!HTTP1Wire.statusHasBody(.noContent) && !HTTP1Wire.statusHasBody(.notModified) && HTTP1Wire.statusHasBody(.ok))
        }
    }

    @Test func malformedRequestGets400AndTheConnectionCloses() async throws {
        try await APIHarness.run { api in
            let text = try await RawConnection(port: try #require(api.client.port)).exchange("THIS IS NOT HTTP\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test func chunkedBodyOverTheLimitIs413AndNothingIsWritten() async throws {
        try await APIHarness.run(configure: { $0.maxBodyBytes = 1024 }) { api in
            let payload = #"{"kind":"Cluster","name":"chunky","spec":{"x":""# + String(repeating: "a", count: 3000) + #""}}"#
            var chunks = ""
            var rest = Substring(payload)
            while !rest.isEmpty {
                let piece = rest.prefix(500)
                chunks += String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n"
                rest = rest.dropFirst(piece.count)
            }
            let head = "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            let text = try await RawConnection(port: try #require(api.client.port)).exchange(head + chunks + "0\r\n\r\n")
            let answers = Self.responses(in: text)
            #expect(answers.map(\.status) == [413])
            #expect(answers.first?.body.contains("over the limit") == true)
            #expect(try await api.get("/api/hyperfleet/v1/clusters").int("total") == 0)
            // A body just under the limit, chunked, is taken.
            let small = #"{"kind":"Cluster","name":"chunked-ok","spec":{}}"#
            let accepted = try await RawConnection(port: try #require(api.client.port)).exchange(
                head + String(small.utf8.count, radix: 16) + "\r\n" + small + "\r\n0\r\n\r\n")
            #expect(Self.responses(in: accepted).map(\.status) == [201])
        }
    }

    @Test func aClientThatExpects100ContinueIsToldToSendItsBody() async throws {
        try await APIHarness.run { api in
            let payload = #"{"kind":"Cluster","name":"asked-first","spec":{}}"#
            let head = "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(payload.utf8.count)\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
            // The body is sent only after the interim answer arrives (a 5 s receive timeout otherwise fails).
            let text = try await RawConnection(port: try #require(api.client.port)).exchange(head, afterContinue: payload)
            #expect(text.hasPrefix("HTTP/1.1 100 Continue\r\n\r\n"))
            let final = Self.responses(in: String(text.dropFirst("HTTP/1.1 100 Continue\r\n\r\n".count)))
            #expect(final.map(\.status) == [201])
        }
    }

    @Test func responsesCarryDateAndServer() async throws {
        try await APIHarness.run { api in
            let reply = try await api.get("/api/hyperfleet")
            #expect(reply.headers[.server] == "hyperfleet-api")
            let date = try #require(reply.headers[.date])
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let parsed = try #require(formatter.date(from: date), "Date header \(date)")
            #expect(abs(parsed.timeIntervalSinceNow) < 60)
        }
    }

    @Test func httpDateFormat() {
        // RFC 9110's own example, a leap day, and the epoch.
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_709_164_805) == "Thu, 29 Feb 2024 00:00:05 GMT")
        #expect(HTTPDate.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    /// Shutdown waits for a request in flight: its answer is written whole, then the server stops.
    @Test func gracefulShutdownFinishesTheRequestInFlight() async throws {
        try await TestDatabase.withFresh { url in
            try await PostgresPool.withPool(
                configuration: PostgresConfiguration(connectionString: url, poolSize: 4, connectTimeout: .seconds(20)),
                logger: APIHarness.logger
            ) { pool in
                try await Schema.prepare(pool: pool, clusterAdapters: ["validation"], nodePoolAdapters: ["validation"], logger: APIHarness.logger)
                var settings = APIServerSettings()
                settings.port = 0
                let port = Mutex<Int?>(nil)
                let app = buildAPIApplication(
                    store: ResourceStore(pool: pool, logger: APIHarness.logger), authenticator: nil, settings: settings,
                    logger: APIHarness.logger, onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } })
                let services = ServiceGroup(configuration: .init(services: [app], logger: APIHarness.logger))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await services.run() }
                    var serverPort: Int?
                    while serverPort == nil {
                        try await Task.sleep(for: .milliseconds(20))
                        serverPort = port.withLock { $0 }
                    }
                    let connection = RawConnection(port: try #require(serverPort))
                    let payload = #"{"kind":"Cluster","name":"in-flight","spec":{}}"#
                    let created = Self.responses(in: try await connection.exchange(
                        "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                            + "Content-Length: \(payload.utf8.count)\r\nConnection: close\r\n\r\n" + payload))
                    try #require(created.map(\.status) == [201])
                    let body = try #require(created.first?.body.data(using: .utf8))
                    let id = try #require((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["id"] as? String)
                    // Hold the GET in the database behind a table lock, shut down, then let it go.
                    let (lockTaken, lockTakenSignal) = AsyncStream<Void>.makeStream()
                    let (release, releaseSignal) = AsyncStream<Void>.makeStream()
                    group.addTask {
                        try await pool.withConnection { session in
                            try await session.execute("BEGIN; LOCK TABLE clusters IN ACCESS EXCLUSIVE MODE")
                            lockTakenSignal.yield()
                            for await _ in release { break }
                            try await session.execute("COMMIT")
                        }
                    }
                    for await _ in lockTaken { break }
                    let answer = Task {
                        try await connection.exchange("GET /api/hyperfleet/v1/clusters/\(id) HTTP/1.1\r\nHost: test\r\n\r\n")
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    await services.triggerGracefulShutdown()
                    try await Task.sleep(for: .milliseconds(300))
                    releaseSignal.yield()
                    // The keep-alive connection is closed after the answer, so the read ends.
                    let answers = Self.responses(in: try await answer.value)
                    #expect(answers.map(\.status) == [200])
                    #expect(answers.first?.body.contains("in-flight") == true)
                    try await group.waitForAll()
                }
            }
        }
    }

    // MARK: Helpers

    func request(_ line: String, operationID: String, extra: String = "") -> String {
        "\(line) HTTP/1.1\r\nHost: test\r\nX-Operation-ID: \(operationID)\r\n\(extra)\r\n"
    }

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    /// Splits a byte stream of responses with `Content-Length` bodies.
    static func responses(in text: String) -> [Answer] {
        var answers: [Answer] = []
        var rest = Substring(text)
        while let end = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = headers["content-length"].flatMap(Int.init) ?? 0
            let bodyBytes = rest[end.upperBound...].utf8.prefix(length)
            answers.append(Answer(status: status, headers: headers, body: String(decoding: bodyBytes, as: UTF8.self)))
            rest = Substring(String(decoding: rest[end.upperBound...].utf8.dropFirst(length), as: UTF8.self))
        }
        return answers
    }
}

/// A TCP client on its own thread (never blocking the cooperative pool): writes bytes, then reads
/// until the server closes (5 s receive timeout).
struct RawConnection: Sendable {
    let port: Int

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends `text`; with `afterContinue`, waits for an interim `100 Continue` answer and then sends that
    /// too; with `halfClose`, then shuts down the sending side.
    func exchange(_ text: String, afterContinue: String? = nil, halfClose: Bool = false) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try blockingExchange(text, afterContinue: afterContinue, halfClose: halfClose) })
            }.start()
        }
    }

    private func blockingExchange(_ text: String, afterContinue: String?, halfClose: Bool) throws -> String {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw Failure(description: "socket() failed: \(errno)") }
        defer { close(socketFD) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect() failed: \(errno)") }
        func sendAll(_ text: String) throws {
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let written = bytes[sent...].withUnsafeBytes { send(socketFD, $0.baseAddress, $0.count, 0) }
                guard written > 0 else { throw Failure(description: "send() failed: \(errno)") }
                sent += written
            }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        /// Reads more; false at the end of the stream.
        func receive() throws -> Bool {
            let count = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
            if count == 0 { return false }
            guard count > 0 else {
                throw Failure(description: "no answer within 5 s (errno \(errno)); got: \(String(decoding: received, as: UTF8.self))")
            }
            received.append(contentsOf: buffer[0..<count])
            return true
        }
        try sendAll(text)
        if let afterContinue {
            while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
                guard try receive() else { throw Failure(description: "closed before an interim answer") }
            }
            try sendAll(afterContinue)
        }
        if halfClose { shutdown(socketFD, Int32(SHUT_WR)) }
        while try receive() {}
        return String(decoding: received, as: UTF8.self)
    }
}
