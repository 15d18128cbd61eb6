import Postgres
import PostgresTestSupport
import Testing
import Timing

@Suite struct NotificationTests {
    /// Consumes `stream` in the background, recording events, until cancelled.
    private func record(_ stream: AsyncStream<PostgresNotificationEvent>) -> (Recorder<PostgresNotificationEvent>, Task<Void, Never>) {
        let events = Recorder<PostgresNotificationEvent>()
        let consumer = Task { for await event in stream { events.append(event) } }
        return (events, consumer)
    }

    /// Sends NOTIFY repeatedly until it shows up (the listener may not have run LISTEN yet).
    private func notifyUntilReceived(
        _ pool: PostgresPool, channel: String, payload: String, events: Recorder<PostgresNotificationEvent>
    ) async throws -> Bool {
        try await eventually {
            _ = try await pool.query("SELECT pg_notify($1, $2)", [channel, payload])
            try await Task.sleep(for: .milliseconds(100))
            return events.all.contains(.notification(channel: channel, payload: payload))
        }
    }

    @Test func listenerReceivesNotifyPayloads() async throws {
        try await withPool { pool, connectionString in
            let configuration = PostgresConfiguration(connectionString: connectionString, applicationName: "hf-listen-basic")
            let stream = postgresNotifications(
                configuration: configuration, channels: ["cluster_events", "Mixed Case \"chan\""], logger: TestDatabase.silentLogger)
            let (events, consumer) = record(stream)
            let payload = #"{"id": 7, "note": "ünïcode"}"#
            let received = try await notifyUntilReceived(pool, channel: "cluster_events", payload: payload, events: events)
            #expect(received)
            let quoted = try await notifyUntilReceived(pool, channel: "Mixed Case \"chan\"", payload: "x", events: events)
            #expect(quoted)
            _ = try await pool.query("SELECT pg_notify('other_channel', 'ignored')")
            _ = try await pool.query("SELECT pg_notify('cluster_events', 'last')")
            #expect(try await eventually { events.all.last == .notification(channel: "cluster_events", payload: "last") })
            #expect(!events.all.contains(.notification(channel: "other_channel", payload: "ignored")))
            #expect(!events.all.contains(.reconnected))

            // Cancelling the consumer ends the stream and closes the listener's session.
            consumer.cancel()
            await consumer.value
            let closed = try await eventually {
                try await pool.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'hf-listen-basic'").isEmpty
            }
            #expect(closed)
        }
    }

    @Test func listenerReconnectsAfterItsBackendIsTerminated() async throws {
        try await withPool { pool, connectionString in
            let configuration = PostgresConfiguration(connectionString: connectionString, applicationName: "hf-listen-reconnect")
            let stream = postgresNotifications(
                configuration: configuration, channels: ["jobs"], logger: TestDatabase.silentLogger,
                backoff: Backoff(base: .milliseconds(50), max: .milliseconds(500)))
            let (events, consumer) = record(stream)
            #expect(try await notifyUntilReceived(pool, channel: "jobs", payload: "before", events: events))

            let pid = try #require(try await pool.query(
                "SELECT pid::text AS pid FROM pg_stat_activity WHERE application_name = 'hf-listen-reconnect'").first?.text("pid"))
            try await terminateBackend(connectionString, pid: pid)

            #expect(try await eventually { events.all.contains(.reconnected) })
            #expect(try await notifyUntilReceived(pool, channel: "jobs", payload: "after", events: events))
            let newPID = try await pool.query(
                "SELECT pid::text AS pid FROM pg_stat_activity WHERE application_name = 'hf-listen-reconnect'").first?["pid"]
            #expect(newPID != nil && newPID != pid)
            #expect(events.all.filter { $0 == .reconnected }.count == 1)
            consumer.cancel()
            await consumer.value
        }
    }

    @Test func listenerKeepsRetryingWhileServerIsUnreachable() async throws {
        let configuration = PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:1/postgres")
        let stream = postgresNotifications(
            configuration: configuration, channels: ["jobs"], logger: TestDatabase.silentLogger,
            backoff: Backoff(base: .milliseconds(20), max: .milliseconds(40)))
        let (events, consumer) = record(stream)
        try await Task.sleep(for: .milliseconds(300))
        #expect(events.all.isEmpty)
        let started = ContinuousClock.now
        consumer.cancel()
        await consumer.value
        #expect(ContinuousClock.now - started < .seconds(15), "the listener stops instead of hanging")
    }
}
