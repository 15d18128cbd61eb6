import Postgres
import PostgresTestSupport
import Testing

@Suite struct PoolTests {
    @Test func fiftyConcurrentTasksShareFiveConnections() async throws {
        try await withPool(poolSize: 5, acquireTimeout: .seconds(30)) { pool, _ in
            let backendPIDs = Recorder<String>()
            let inUseSeen = Recorder<Int>()
            try await withThrowingTaskGroup(of: String.self) { group in
                for task in 0..<50 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            inUseSeen.append(pool.statistics.inUse)
                            let row = try await connection.query(
                                "SELECT pg_backend_pid()::text AS pid, $1::text AS task, pg_sleep(0.02)::text AS slept", [String(task)])
                            backendPIDs.append(try row.first?.text("pid") ?? "")
                            return try row.first?.text("task") ?? ""
                        }
                    }
                }
                var finished: Set<String> = []
                for try await task in group { finished.insert(task) }
                #expect(finished == Set((0..<50).map(String.init)))
            }
            #expect(backendPIDs.all.count == 50)
            #expect(Set(backendPIDs.all).count <= 5)
            #expect(inUseSeen.all.allSatisfy { $0 >= 1 && $0 <= 5 })
            let statistics = pool.statistics
            #expect(statistics.open >= 1 && statistics.open <= 5)
            #expect(statistics.inUse == 0)
            #expect(statistics.waiting == 0)
            #expect(statistics.idle == statistics.open)
        }
    }

    @Test func acquireTimesOutWhenPoolIsExhausted() async throws {
        try await withPool(poolSize: 1, acquireTimeout: .milliseconds(300)) { pool, _ in
            try await pool.withConnection { _ in
                #expect(pool.statistics.inUse == 1)
                let started = ContinuousClock.now
                let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
                #expect(error?.kind == .timeout)
                #expect(ContinuousClock.now - started < .seconds(15), "timed out instead of hanging")
                #expect(pool.statistics.waiting == 0)
            }
            #expect(try await pool.query("SELECT 1 AS one").first?["one"] == "1")
        }
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        try await withPool(poolSize: 1, acquireTimeout: .seconds(20)) { pool, _ in
            let order = Recorder<Int>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                try await pool.withConnection { _ in
                    for waiter in 1...3 {
                        group.addTask { try await pool.withConnection { _ in order.append(waiter) } }
                        let queued = try await eventually { pool.statistics.waiting == waiter }
                        try #require(queued)
                    }
                }
                try await group.waitForAll()
            }
            #expect(order.all == [1, 2, 3])
        }
    }

    @Test func cancellingAWaiterRemovesItFromTheQueue() async throws {
        try await withPool(poolSize: 1, acquireTimeout: .seconds(20)) { pool, _ in
            try await pool.withConnection { _ in
                let waiter = Task { try await pool.query("SELECT 1") }
                let queued = try await eventually { pool.statistics.waiting == 1 }
                #expect(queued)
                let started = ContinuousClock.now
                waiter.cancel()
                await #expect(throws: CancellationError.self) { try await waiter.value }
                #expect(ContinuousClock.now - started < .seconds(15), "cancelled long before the 20 s acquire timeout")
                #expect(pool.statistics.waiting == 0)
            }
            #expect(pool.statistics.inUse == 0)
            #expect(try await pool.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func cancellingARunningQueryStopsItAndDiscardsTheSession() async throws {
        try await withPool(poolSize: 2) { pool, connectionString in
            let sleeper = Task { try await pool.query("SELECT pg_sleep(30)") }
            // Running on the server, not only lent: a session still being opened on a loaded machine has
            // nothing running yet for the server-side cancel to stop.
            let running = try await eventually {
                !(try await runSeparately(
                    connectionString, "SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(30)'"
                ).isEmpty)
            }
            try #require(running, "the query never started")
            let started = ContinuousClock.now
            sleeper.cancel()
            await #expect(throws: (any Error).self) { try await sleeper.value }
            #expect(ContinuousClock.now - started < .seconds(15), "well before the 30 s query or a hang")
            #expect(try await eventually { pool.statistics.open == 0 })
            #expect(try await pool.query("SELECT 1 AS one").count == 1)
        }
    }

    @Test func idleConnectionKilledByServerIsReplaced() async throws {
        try await withPool(poolSize: 1) { pool, connectionString in
            let firstPID = try #require(try await pool.query("SELECT pg_backend_pid()::text AS pid").first?.text("pid"))
            try await terminateBackend(connectionString, pid: firstPID)
            let secondPID = try await pool.query("SELECT pg_backend_pid()::text AS pid").first?.text("pid")
            #expect(secondPID != nil && secondPID != firstPID)
            #expect(pool.statistics.open == 1)
        }
    }

    @Test func connectionKilledWhileInUseIsDiscarded() async throws {
        try await withPool(poolSize: 2) { pool, connectionString in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    let pid = try await connection.query("SELECT pg_backend_pid()::text AS pid").first?.text("pid") ?? ""
                    try await terminateBackend(connectionString, pid: pid)
                    _ = try await connection.query("SELECT 1")
                }
            }
            #expect(error?.isUnavailable == true)
            #expect(pool.statistics.open == 0)
            let one = try await pool.query("SELECT 1 AS one").first?["one"]
            #expect(one == "1")
            #expect(pool.statistics.open == 1)
        }
    }

    @Test func unreachableServerFailsQuicklyAsUnavailable() async throws {
        let pool = PostgresPool(
            configuration: PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:1/postgres", poolSize: 2),
            logger: TestDatabase.silentLogger)
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(ContinuousClock.now - started < .seconds(15), "an unreachable server fails, not hangs")
            #expect(error?.isUnavailable == true)
            #expect(error?.kind == .connection)
            #expect(error?.message.contains("127.0.0.1") == true || error?.message.contains("refused") == true)
        }
        #expect(pool.statistics == PoolStatistics(open: 0, idle: 0, inUse: 0, waiting: 0))
        await pool.close()
    }

    @Test func poolRecoversOnceTheDatabaseAppearsWithoutRestart() async throws {
        try await TestDatabase.withFresh { connectionString in
            let admin = try TestDatabase.adminConnectionString()
            let lateName = "hf_late_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let late = try PostgresConfiguration.connectionString(connectionString, replacingDatabaseWith: lateName)
            let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: late), logger: TestDatabase.silentLogger)
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(error?.message.contains(lateName) == true)
            _ = try await runSeparately(admin, "CREATE DATABASE \(lateName)")
            let recovered = await pool.ping()
            let name = try? await pool.query("SELECT current_database() AS db").first?["db"]
            await pool.close()
            _ = try await runSeparately(admin, "DROP DATABASE IF EXISTS \(lateName) WITH (FORCE)")
            #expect(recovered)
            #expect(name == lateName)
        }
    }

    @Test func closedPoolRefusesWork() async throws {
        try await withPool { pool, _ in
            _ = try await pool.query("SELECT 1")
            #expect(pool.statistics.idle == 1)
            await pool.close()
            #expect(pool.statistics.open == 0)
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(error?.kind == .poolClosed)
            #expect(await pool.ping() == false)
        }
    }

    @Test func closeWhileLentClosesTheSessionOnReturn() async throws {
        try await withPool { pool, connectionString in
            let pid = try await pool.withConnection { connection in
                let pid = try await connection.query("SELECT pg_backend_pid()::text AS pid").first?.text("pid") ?? ""
                await pool.close()
                // The lent session keeps working until it is returned.
                #expect(try await connection.query("SELECT 1 AS one").count == 1)
                return pid
            }
            #expect(pool.statistics.open == 0)
            let gone = try await eventually {
                try await runSeparately(connectionString, "SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", [pid]).isEmpty
            }
            #expect(gone)
        }
    }

    @Test func connectionCannotBeUsedAfterItIsReturned() async throws {
        try await withPool { pool, _ in
            let escaped = try await pool.withConnection { $0 }
            let error = await #expect(throws: PostgresError.self) { try await escaped.query("SELECT 1") }
            #expect(error?.message.contains("after withConnection returned") == true)
            #expect(pool.statistics.idle == 1)
        }
    }

    @Test func sessionLeftInTransactionIsDiscarded() async throws {
        try await withPool { pool, _ in
            try await pool.withConnection { connection in
                try await connection.execute("BEGIN")
                _ = try await connection.query("SELECT 1")
            }
            #expect(pool.statistics.open == 0)
            try await expectOutsideTransaction(pool)
        }
    }
}
