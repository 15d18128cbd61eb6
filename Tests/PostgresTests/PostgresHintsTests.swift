import PostgresTestSupport
import Testing

@testable import Postgres

@Suite struct PostgresHintsTests {
    /// At most one send in flight per payload; requests during a send cause exactly one more.
    @Test func coalescingSendsOnceMoreAfterRequestsDuringASend() {
        var state = NotifyCoalescing()
        var answers: [Bool] = []
        answers.append(state.request("clusters"))
        answers.append(state.request("clusters"))
        answers.append(state.request("clusters"))
        answers.append(state.request("nodepools"))  // another payload is independent
        answers.append(state.sent("clusters"))  // requests came in meanwhile: once more
        answers.append(state.sent("clusters"))  // none since: idle
        answers.append(state.sent("nodepools"))
        answers.append(state.request("clusters"))  // idle again: a new request sends at once
        #expect(answers == [true, false, false, true, true, false, false, true])
    }

    /// A burst of requests reaches a listener as two NOTIFYs: the one started by the first request
    /// and the one for those made while it was in flight.
    @Test func aBurstOfRequestsArrivesAsTwoNotifications() async throws {
        // One connection, held while the burst is requested: the first send is in flight (waiting for
        // it) during the whole burst, however the threads are scheduled.
        try await withPool(poolSize: 1, acquireTimeout: .seconds(60)) { pool, connectionString in
            let stream = postgresNotifications(
                configuration: PostgresConfiguration(connectionString: connectionString, applicationName: "hf-hints"),
                channels: ["hints"], logger: TestDatabase.silentLogger)
            let events = Recorder<PostgresNotificationEvent>()
            let consumer = Task { for await event in stream { events.append(event) } }
            // The listener is up once a direct NOTIFY arrives.
            let listening = try await eventually {
                _ = try await pool.query("SELECT pg_notify('hints', 'ready')")
                try await Task.sleep(for: .milliseconds(100))
                return events.all.contains(.notification(channel: "hints", payload: "ready"))
            }
            try #require(listening)
            let hints = PostgresHints(pool: pool, channel: "hints", logger: TestDatabase.silentLogger)
            try await pool.withConnection { _ in
                for _ in 0..<50 { hints.notify("clusters") }
            }
            let count = { events.all.filter { $0 == .notification(channel: "hints", payload: "clusters") }.count }
            #expect(try await eventually { count() == 2 })
            hints.notify("clusters")
            #expect(try await eventually { count() == 3 })
            consumer.cancel()
            await consumer.value
        }
    }
}
