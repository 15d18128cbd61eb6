import Foundation
import Postgres
import PostgresTestSupport
import Synchronization
import Testing

/// The built `hyperfleet api` as a separate process: its memory under clients that never read, and
/// its graceful shutdown on SIGTERM. Serialized: each spawns a server and loads it.
@Suite("the spawned API process", .serialized)
struct ProcessTests {
    /// 50 connections each pipeline 10,000 `GET /clusters?pageSize=1000` (1,000 clusters stored) and
    /// never read. The server must stop reading them once their answers back up, so its resident
    /// memory grows by less than 150 MiB, and a new client is still answered. The writers give up
    /// early (and the test fails) as soon as the growth passes the bound, so a server without
    /// backpressure cannot take the machine down with it.
    @Test func clientsThatNeverReadCostBoundedMemory() async throws {
        try await TestDatabase.withFresh { url in
            let api = try await SpawnedAPI(databaseURL: url)
            defer { api.stop() }
            try await Self.createClusters(port: api.port, count: 1000)
            let list = "GET /api/hyperfleet/v1/clusters?pageSize=1000 HTTP/1.1\r\nHost: t\r\n\r\n"
            for _ in 0..<3 {
                let reply = try await TestSocket.roundTrip(port: api.port, list.replacingOccurrences(of: "\r\n\r\n", with: "\r\nConnection: close\r\n\r\n"))
                try #require(reply.status == 200 && reply.body.contains(#""size":1000"#), "warm-up list: \(reply.status)")
            }
            let boundKiB = 150 * 1024
            let before = try api.residentKiB()
            let outcome = try await onOwnThread {
                try Self.flood(api: api, connections: 50, requestsEach: 10_000, request: list, stopAboveKiB: before + boundKiB)
            }
            print("slow readers: RSS before \(before / 1024) MiB, peak \(outcome.peakKiB / 1024) MiB, growth \((outcome.peakKiB - before) / 1024) MiB, "
                + "\(outcome.requestsSent) requests written, other client got \(outcome.otherClientStatus)")
            #expect(outcome.peakKiB - before < boundKiB, "RSS grew by \((outcome.peakKiB - before) / 1024) MiB")
            #expect(outcome.otherClientStatus == 200)
            #expect(api.process.isRunning)
        }
    }

    /// SIGTERM with one request in flight (held in the database by a table lock), one idle keep-alive
    /// connection and one that stopped in the middle of its request head: the idle and the stalled
    /// connections are closed while the request is still in flight, that request is answered in full
    /// once the lock goes, and the process exits 0 although the clients never closed their sockets.
    @Test func sigtermFinishesInFlightRequestsClosesIdleConnectionsAndExitsZero() async throws {
        try await TestDatabase.withFresh { url in
            let api = try await SpawnedAPI(databaseURL: url, configuration: "  shutdown_timeout: 60s")
            defer { api.stop() }
            let port = api.port
            let payload = #"{"kind":"Cluster","name":"in-flight","spec":{}}"#
            let created = try await TestSocket.roundTrip(port: port, Self.post(payload, close: true))
            try #require(created.status == 201, "\(created.body)")
            let id = try #require(created.body.split(separator: "\"").drop { $0 != "id" }.dropFirst(2).first.map(String.init))

            let idle = try await onOwnThread { () -> TestSocket in
                let socket = try TestSocket(port: port)
                try socket.send("GET /api/hyperfleet HTTP/1.1\r\nHost: t\r\n\r\n")
                guard try socket.readResponse().status == 200 else { throw TestSocket.Failure(description: "idle connection's first answer") }
                return socket
            }
            let stalled = try TestSocket(port: port)
            try stalled.send("GET /api/hyperfleet HTTP/1.1\r\nHost: t\r\n")

            try await PostgresPool.withPool(
                configuration: PostgresConfiguration(connectionString: url, poolSize: 2, connectTimeout: .seconds(20)),
                logger: TestDatabase.silentLogger
            ) { pool in
                let lock = try await HeldTableLock.take("clusters", pool: pool)
                let inFlight = try TestSocket(port: port, receiveTimeoutSeconds: 60)
                try inFlight.send("GET /api/hyperfleet/v1/clusters/\(id) HTTP/1.1\r\nHost: t\r\n\r\n")
                // In flight means: the server's query waits for the lock.
                var waiting: Int64 = 0
                for _ in 0..<300 where waiting == 0 {
                    try await Task.sleep(for: .milliseconds(50))
                    waiting = try await pool.query(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    ).first?.int("n") ?? 0
                }
                try #require(waiting > 0, "the GET never reached the database")

                api.terminate()
                let idleClosed = try await onOwnThread { idle.readsEndOfStream() }
                let stalledClosed = try await onOwnThread { stalled.readsEndOfStream() }
                #expect(idleClosed, "the idle keep-alive connection was not closed on SIGTERM")
                #expect(stalledClosed, "the connection stalled in its request head was not closed on SIGTERM")
                #expect(api.process.isRunning, "the process ended before its in-flight request was answered")

                try await lock.release()
                let answer = try await onOwnThread { try inFlight.readResponse() }
                #expect(answer.status == 200)
                #expect(answer.body.contains(#""name":"in-flight""#))
                #expect(try await onOwnThread { inFlight.readsEndOfStream() })
            }
            #expect(await api.waitForExit() == 0)
        }
    }

    // MARK: Helpers

    static func post(_ body: String, close: Bool = false) -> String {
        "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + (close ? "Connection: close\r\n" : "") + "\r\n" + body
    }

    /// Creates `count` clusters with a few hundred bytes of spec each, pipelined 100 at a time.
    static func createClusters(port: Int, count: Int) async throws {
        try await onOwnThread {
            let socket = try TestSocket(port: port, receiveTimeoutSeconds: 60)
            let padding = String(repeating: "x", count: 300)
            for batch in stride(from: 0, to: count, by: 100) {
                let requests = (batch..<min(batch + 100, count)).map { index in
                    post(#"{"kind":"Cluster","name":"load-\#(index)","labels":{"env":"prod"},"spec":{"note":"\#(padding)"}}"#)
                }
                try socket.send(requests.joined())
                for _ in requests {
                    let reply = try socket.readResponse()
                    guard reply.status == 201 else { throw TestSocket.Failure(description: "create: \(reply.status) \(reply.body)") }
                }
            }
        }
    }

    struct FloodOutcome: Sendable {
        var peakKiB: Int
        var requestsSent: Int
        var otherClientStatus: Int
    }

    /// Writes up to `requestsEach` requests on each of `connections` sockets without ever reading
    /// (non-blocking writes; a full socket is skipped), for at most 60 s, then lets the server fill its
    /// buffers for 8 s, sampling its RSS; then asks on a new connection, and closes everything.
    static func flood(api: SpawnedAPI, connections: Int, requestsEach: Int, request: String, stopAboveKiB: Int) throws -> FloodOutcome {
        let sockets = try (0..<connections).map { _ in try TestSocket(port: api.port) }
        let bytes = Array(request.utf8)
        let total = bytes.count * requestsEach
        var sent = [Int](repeating: 0, count: connections)
        var peak = try api.residentKiB()
        let writingEnds = ContinuousClock.now + .seconds(60)
        var lastSample = ContinuousClock.now
        while ContinuousClock.now < writingEnds, sent.contains(where: { $0 < total }), peak <= stopAboveKiB {
            var progressed = false
            for (index, socket) in sockets.enumerated() where sent[index] < total {
                // The stream is the request repeated; write from wherever the last write stopped.
                let offset = sent[index] % bytes.count
                let chunk = (bytes[offset...] + Array(repeating: bytes, count: 64).joined()).prefix(total - sent[index])
                let written = socket.sendWithoutBlocking(ArraySlice(chunk))
                sent[index] += written
                progressed = progressed || written > 0
            }
            if ContinuousClock.now - lastSample > .milliseconds(200) {
                peak = max(peak, try api.residentKiB())
                lastSample = .now
            }
            if !progressed { Thread.sleep(forTimeInterval: 0.05) }
        }
        let observingEnds = ContinuousClock.now + .seconds(8)
        while ContinuousClock.now < observingEnds, peak <= stopAboveKiB {
            Thread.sleep(forTimeInterval: 0.2)
            peak = max(peak, try api.residentKiB())
        }
        let other = try TestSocket(port: api.port, receiveTimeoutSeconds: 60)
        try other.send("GET /api/hyperfleet/v1/clusters?pageSize=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let status = (try? other.readResponse().status) ?? 0
        peak = max(peak, try api.residentKiB())
        withExtendedLifetime(sockets) {}
        return FloodOutcome(peakKiB: peak, requestsSent: sent.reduce(0, +) / bytes.count, otherClientStatus: status)
    }
}
