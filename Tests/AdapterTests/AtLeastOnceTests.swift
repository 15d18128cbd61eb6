import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HyperFleetModel
import HyperFleetTestSupport
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// An adapter process killed in the middle of a batch must not lose events: the group's committed
/// offset only passes events whose reports the API accepted (or that were dropped and counted).
@Suite struct AtLeastOnceTests {
    @Test func aKilledAdapterProcessLeavesItsUnfinishedEventsToTheNextOne() async throws {
        try await AdapterHarness.run(clusterAdapters: ["validation"], nodePoolAdapters: []) { h in
            let ids = try await (0..<6).asyncMap { try await h.createCluster("kill-\($0)") }
            // Junk first (dropped on purpose and counted: finished at once), then the real events.
            for _ in 0..<4 { try await h.publishRaw(Array("not an event".utf8)) }
            for id in ids { try await h.publish(cluster: id) }

            // The first adapter's API never answers, so every real event stays in flight.
            let silentAPI = try await SilentServer.start()
            let first = try AdapterProcess(harness: h, apiURL: "http://127.0.0.1:\(silentAPI.port)", log: "first")
            let held = ContinuousClock.now + .seconds(60)
            while silentAPI.connections < ids.count, ContinuousClock.now < held {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(silentAPI.connections >= ids.count, "the first adapter took every event in hand")
            // Several auto-commit intervals (200 ms here) pass: a consumer committing what it was
            // handed would now have committed the events past this member.
            try await Task.sleep(for: .seconds(2))
            first.kill()
            #expect(await first.waitForExit() == ChildProcess.Exit.signalled(SIGKILL))
            await silentAPI.close()

            let metricsPort = try await unusedPort()
            let second = try AdapterProcess(harness: h, apiURL: h.apiURL, log: "second", metricsPort: metricsPort)
            defer { second.kill() }
            for id in ids {
                // The new member joins once the killed one's session (6 s) has expired.
                try await h.waitForStatus(Paths.cluster(id), adapter: "validation", within: .seconds(60))
            }
            // The junk was finished before the kill, so its offsets were committed: not read again.
            let (body, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
            let metrics = String(decoding: body, as: UTF8.self)
            let sample = #"hyperfleet_adapter_events_total{adapter="validation",resource_type="clusters",outcome="#
            #expect(TestMetrics.value(sample + #""reported"}"#, in: metrics) ?? 0 >= Double(ids.count))
            #expect(TestMetrics.value(sample + #""invalid"}"#, in: metrics) == nil, "finished events are not read again")
        }
    }
}

/// One `hyperfleet adapter` process (the built binary) for the harness's `validation` cluster adapter.
private final class AdapterProcess: Sendable {
    private let process: ChildProcess

    init(harness: AdapterHarness, apiURL: String, log: String, metricsPort: Int = 0) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["HYPERFLEET_ADAPTER_CONFIG"] = AdapterHarness.configFile("clusters-validation.yaml")
        environment["HYPERFLEET_ADAPTER_API_URL"] = apiURL
        environment["HYPERFLEET_ADAPTER_API_TIMEOUT"] = "120s"
        environment["HYPERFLEET_ADAPTER_API_RETRY_BASE"] = "20ms"
        environment["HYPERFLEET_ADAPTER_API_RETRY_MAX"] = "200ms"
        environment["HYPERFLEET_ADAPTER_JOB_DURATION"] = "200ms"
        environment["HYPERFLEET_ADAPTER_CONCURRENCY"] = "16"
        environment["HYPERFLEET_ADAPTER_KAFKA_BROKERS"] = harness.kafka.bootstrapServers
        environment["HYPERFLEET_ADAPTER_KAFKA_PROPERTIES"] =
            "session.timeout.ms=6000,heartbeat.interval.ms=500,auto.commit.interval.ms=200"
        environment["HYPERFLEET_ADAPTER_HOST"] = "127.0.0.1"
        environment["HYPERFLEET_ADAPTER_HEALTH_PORT"] = "0"
        environment["HYPERFLEET_ADAPTER_METRICS_PORT"] = String(metricsPort)
        environment["HYPERFLEET_LOG_LEVEL"] = "debug"
        // The child's log, for when the test fails.
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-\(log)-\(UUID().uuidString.prefix(8)).log")
        process = try ChildProcess(
            BuiltExecutable.hyperfleet, ["adapter"], environment: environment, standardOutput: .file(logFile.path),
            standardError: .file(logFile.path))
    }

    func kill() {
        process.send(SIGKILL)
    }

    func waitForExit() async -> ChildProcess.Exit {
        await process.waitForExit()
    }
}

/// Accepts TCP connections and never answers: an API that hangs.
private final class SilentServer: Sendable {
    private let channel: any Channel
    private let accepted: Accepted

    private final class Accepted: Sendable {
        let count = Atomic<Int>(0)
    }

    private init(channel: any Channel, accepted: Accepted) {
        self.channel = channel
        self.accepted = accepted
    }

    static func start() async throws -> SilentServer {
        let accepted = Accepted()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                accepted.count.add(1, ordering: .relaxed)
                return child.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return SilentServer(channel: channel, accepted: accepted)
    }

    var port: Int { channel.localAddress?.port ?? 0 }
    var connections: Int { accepted.count.load(ordering: .relaxed) }

    func close() async {
        try? await channel.close()
    }
}

extension Range where Bound == Int {
    fileprivate func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
