import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HyperFleetAPI
import HyperFleetAdapter
import HyperFleetConfig
import HyperFleetOps
import Kafka
import Logging
import Metrics
import ServiceLifecycle

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the whole system locally: PostgreSQL, embedded Kafka, API (auth off), Sentinel and the default adapters.",
        discussion: """
            Data lives in a private PostgreSQL that survives restarts (--fresh starts empty); DATABASE_URL and \
            --kafka-brokers swap in real services. Where everything is gets printed and written to \
            .hyperfleet/endpoints.json. Ctrl-C stops everything, PostgreSQL last.
            """
    )

    @Option(name: .long, help: "Dev stack settings (default: config/dev.yaml when present).")
    var config: String?

    @Option(name: .long, help: "Use these Kafka brokers instead of the embedded mock cluster.")
    var kafkaBrokers: String?

    @Option(name: .long, help: "Folder of adapter configurations to run.")
    var adapters = "config/adapters"

    @Flag(name: .long, help: "Start with an empty database.")
    var fresh = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let dev = try DevConfiguration.load(file: Bootstrap.configPath(flag: config, defaultFile: "config/dev.yaml", environmentKey: "HYPERFLEET_DEV_CONFIG"), environment: environment)
        let registry = Bootstrap.observability(LogSettings())
        let logger = Logger(label: "hyperfleet.dev")
        // Unbuffered, so progress shows at once also through a pipe.
        let say: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data("[hyperfleet dev] \($0)\n".utf8)) }
        let state = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".hyperfleet")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)

        // PostgreSQL: DATABASE_URL, or a private server whose data outlives the process.
        var postgres: DevPostgres?
        let databaseURL: String
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            databaseURL = url
            say("using DATABASE_URL")
        } else {
            let server = DevPostgres(dataRoot: DevPostgres.dataRoot(for: FileManager.default.currentDirectoryPath), port: dev.postgresPort)
            try server.start(fresh: fresh, log: say)
            try server.dataRoot.write(to: state.appendingPathComponent("pgdir"), atomically: true, encoding: .utf8)
            postgres = server
            databaseURL = server.connectionString
            say("PostgreSQL on 127.0.0.1:\(dev.postgresPort), data in \(server.dataRoot)")
        }

        do {
            try await runStack(dev: dev, databaseURL: databaseURL, metricsText: { registry.emitToString() }, state: state, logger: logger, say: say)
        } catch {
            try? postgres?.stop()
            throw error
        }
        try postgres?.stop()
        say("stopped (PostgreSQL last)")
    }

    private func runStack(
        dev: DevConfiguration, databaseURL: String, metricsText: @escaping @Sendable () -> String, state: URL, logger: Logger,
        say: @escaping @Sendable (String) -> Void
    ) async throws {
        // Kafka: given brokers, or the librdkafka mock cluster (a real Kafka-protocol server in-process).
        var mock: KafkaMockCluster?
        let brokers: String
        let topics = ["clusters": "hyperfleet-clusters", "nodepools": "hyperfleet-nodepools", "alerts": "hyperfleet-alerts"]
        if let kafkaBrokers {
            brokers = kafkaBrokers
        } else {
            let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
            for topic in topics.values.sorted() { try cluster.createTopic(topic, partitions: 3, replicationFactor: 1) }
            mock = cluster
            brokers = cluster.bootstrapServers
        }
        defer { mock?.close() }

        let apiConfiguration = dev.api(databaseURL: databaseURL)
        let api = try await buildAPIServices(
            configuration: apiConfiguration, telemetry: Telemetry(logger: logger, metricsFactory: MetricsSystem.factory, renderMetrics: metricsText))
        var sentinelConfiguration = dev.sentinel(databaseURL: databaseURL, brokers: brokers)
        if kafkaBrokers != nil { sentinelConfiguration.kafka.createTopics = true }
        try sentinelConfiguration.validate()
        let (sentinelServices, sentinelPool) = try await SentinelProcess.services(sentinelConfiguration, metricsText: metricsText, logger: logger)

        let apiURL = "http://\(dev.host):\(dev.apiPort)"
        var adapterServices: [any Service] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: adapters).filter { $0.hasSuffix(".yaml") }.sorted()
        for file in files {
            var configuration = try AdapterConfiguration.load(file: "\(self.adapters)/\(file)", environment: [:])
            configuration.api.url = apiURL
            configuration.kafka.brokers = brokers
            configuration.jobDuration = dev.jobDuration
            // A restarted adapter (crash) rejoins its group after the old member's session ends: keep it short.
            configuration.kafka.properties["session.timeout.ms"] = configuration.kafka.properties["session.timeout.ms"] ?? "6000"
            configuration.kafka.properties["heartbeat.interval.ms"] = configuration.kafka.properties["heartbeat.interval.ms"] ?? "500"
            try configuration.validate()
            let settled = configuration
            adapterServices.append(RestartingService(name: "adapter \(settled.consumerGroup)", logger: logger) {
                AdapterService(configuration: settled, logger: logger, exitOnCrash: false)
            })
        }

        let endpoints = try JSONSerialization.data(withJSONObject: [
            "api": apiURL, "kafka_bootstrap": brokers, "topics": topics,
            "health": ["api": "http://\(dev.host):\(dev.healthPort)", "sentinel": "http://\(dev.host):\(dev.sentinelHealthPort)"],
            "metrics": "http://\(dev.host):\(dev.metricsPort)/metrics", "database": redacted(databaseURL),
            "adapters": files.map { $0.replacingOccurrences(of: ".yaml", with: "") },
        ] as [String: Any], options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        let announce = ClosureService("announce") {
            try await waitForAPI(apiURL)
            try endpoints.write(to: state.appendingPathComponent("endpoints.json"))
            say("""
                up. AUTHENTICATION IS OFF (local development only).
                  API        \(apiURL)/api/hyperfleet/v1
                  health     http://\(dev.host):\(dev.healthPort)/readyz (API), http://\(dev.host):\(dev.sentinelHealthPort)/readyz (Sentinel)
                  metrics    http://\(dev.host):\(dev.metricsPort)/metrics
                  Kafka      \(brokers)   topics: \(topics.values.sorted().joined(separator: ", ")) (kcat -b \(brokers) -C -t hyperfleet-clusters)
                  database   \(redacted(databaseURL))
                  adapters   \(files.count): \(files.map { $0.replacingOccurrences(of: ".yaml", with: "") }.joined(separator: ", "))
                  (also in .hyperfleet/endpoints.json)

                Try:
                  curl -s -X POST \(apiURL)/api/hyperfleet/v1/clusters -H 'Content-Type: application/json' \\
                       -d '{"kind":"Cluster","name":"demo","spec":{"region":"us-east-1"}}'
                  curl -s '\(apiURL)/api/hyperfleet/v1/clusters?search=name%3D%27demo%27' | python3 -m json.tool | grep -E '"phase"|"type"'
                  curl -s \(apiURL)/api/hyperfleet/v1/clusters/<id>/statuses

                Ctrl-C stops everything.
                """)
            try await gracefulShutdown()
        }
        // Shutdown runs in reverse: the announcer and adapters stop first, then the Sentinel, then the API.
        try await runGroup(api.services + sentinelServices + adapterServices + [announce], shutdownTimeout: .seconds(15), logger: logger) {
            await sentinelPool.close()
            await api.cleanup()
        }
    }
}

/// Restarts a service that throws (an adapter told to `crash`) after 1 s, until shutdown.
struct RestartingService: Service {
    let name: String
    let logger: Logger
    let make: @Sendable () -> any Service

    func run() async throws {
        while !Task.isCancelled {
            do {
                try await make().run()
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("\(name) stopped with an error; restarting in 1 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}

private func waitForAPI(_ base: String) async throws {
    let url = URL(string: base + "/api/hyperfleet")!
    for _ in 0..<200 {
        if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw DevError("the API did not answer at \(base) within 20 s")
}

private func redacted(_ url: String) -> String {
    url.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
}
