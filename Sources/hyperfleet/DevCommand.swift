import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HyperFleetAdapter
import HyperFleetClient
import HyperFleetConfig
import HyperFleetDevStack
import HyperFleetJSON
import HyperFleetOps
import HyperFleetTracing
import Kafka
import Logging
import ServiceLifecycle

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the whole system locally: PostgreSQL, embedded Kafka, API (auth off), Sentinel and the default adapters.",
        discussion: """
            Data lives in a private PostgreSQL that survives restarts (--fresh starts empty); DATABASE_URL and \
            --kafka-brokers swap in real services. The reference adapters are built in; files in --adapters \
            (default: config/adapters when present) override them by name and resource type. Where everything \
            is gets printed and written to .hyperfleet/endpoints.json. Ctrl-C stops everything, PostgreSQL last.
            """
    )

    @Option(name: .long, help: "Dev stack settings (default: config/dev.yaml when present).")
    var config: String?

    @Option(name: .long, help: "Use these Kafka brokers instead of the embedded mock cluster.")
    var kafkaBrokers: String?

    @Option(name: .long, help: "Folder of adapter configurations overriding the built-in adapters of the same name and resource type (default: config/adapters when present).")
    var adapters: String?

    @Flag(name: .long, help: "Start with an empty database.")
    var fresh = false

    @Flag(name: .long, help: "Do not create the cluster 'demo' and its nodepool 'workers' when the database has no cluster.")
    var noDemo = false

    @OptionGroup(title: "Tracing (on in the dev stack; spans are exported only when an OTLP endpoint is given)")
    var tracing: TracingOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let dev = try DevConfiguration.load(
            file: Bootstrap.configPath(flag: config, defaultFile: "config/dev.yaml", environmentKey: "HYPERFLEET_DEV_CONFIG"),
            environment: environment, tracingOverrides: tracing.overrides)
        let adapterFolder = adapters ?? (FileManager.default.fileExists(atPath: "config/adapters") ? "config/adapters" : nil)
        let adapterConfigurations = try AdapterConfiguration.loadAll(folder: adapterFolder)
        let telemetry = Bootstrap.telemetry(LogSettings(), label: "hyperfleet.dev")
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
            try await runStack(
                dev: dev, databaseURL: databaseURL, adapters: adapterConfigurations, telemetry: telemetry, state: state, say: say)
        } catch {
            try? postgres?.stop()
            throw error
        }
        try postgres?.stop()
        say("stopped (PostgreSQL last)")
    }

    private func runStack(
        dev: DevConfiguration, databaseURL: String, adapters: [AdapterConfiguration], telemetry: Telemetry, state: URL,
        say: @escaping @Sendable (String) -> Void
    ) async throws {
        // Kafka: given brokers, or the librdkafka mock cluster (a real Kafka-protocol server in-process).
        var mock: KafkaMockCluster?
        let brokers: String
        let topics = ["clusters": "hyperfleet-clusters", "nodepools": "hyperfleet-nodepools", "alerts": "hyperfleet-alerts"]
        if let kafkaBrokers {
            brokers = kafkaBrokers
        } else {
            let cluster = try KafkaMockCluster(brokers: 1, logger: telemetry.logger)
            for topic in topics.values.sorted() { try cluster.createTopic(topic, partitions: 3, replicationFactor: 1) }
            mock = cluster
            brokers = cluster.bootstrapServers
        }
        defer { mock?.close() }

        let stack = try await buildDevStackServices(
            configuration: dev, databaseURL: databaseURL, brokers: brokers, createTopics: kafkaBrokers != nil, adapters: adapters,
            telemetry: telemetry)
        let apiURL = dev.apiURL
        let adapterNames = adapters.map { "\($0.resourceType.rawValue)-\($0.name)" }
        let endpoints = Self.endpointsJSON(dev: dev, brokers: brokers, topics: topics, databaseURL: databaseURL, adapters: adapterNames)
        let seedDemo = !noDemo
        let cli = Self.clientCommand()
        let tracingLine = Self.tracingLine(dev.tracing)
        let announce = ClosureService("announce") {
            try await waitForAPI(apiURL)
            try Data(endpoints).write(to: state.appendingPathComponent("endpoints.json"))
            let demo = seedDemo ? await seedDemoCluster(apiURL) : nil
            say("""
                up. AUTHENTICATION IS OFF (local development only).
                  API        \(apiURL)/api/hyperfleet/v1
                  health     http://\(dev.host):\(dev.healthPort)/readyz (API), http://\(dev.host):\(dev.sentinelHealthPort)/readyz (Sentinel)
                  metrics    http://\(dev.host):\(dev.metricsPort)/metrics
                  Kafka      \(brokers)   topics: \(topics.values.sorted().joined(separator: ", ")) (kcat -b \(brokers) -C -t hyperfleet-clusters)
                  database   \(redacted(databaseURL))
                  adapters   \(adapterNames.count): \(adapterNames.joined(separator: ", "))
                  tracing    \(tracingLine)
                  (also in .hyperfleet/endpoints.json)
                \(demo.map { "\n\($0)\n" } ?? "")
                Try, in another terminal (the same binary is the client; no flags needed):
                  \(cli) get clusters
                  \(cli) describe cluster demo
                  \(cli) reconcile cluster demo --reason "try now"
                  \(cli) pause cluster demo --reason "incident" && \(cli) resume cluster demo
                  curl -s \(apiURL)/api/hyperfleet/v1/clusters | python3 -m json.tool

                Ctrl-C stops everything.
                """)
            try await gracefulShutdown()
        }
        // The announcer stops first; the stack's own order follows (adapters, Sentinel, API).
        try await ProcessServices.combining([stack, ProcessServices(services: [announce], shutdownTimeout: .zero)])
            .run(logger: telemetry.logger)
    }

    /// The banner's `tracing` line: where every component's spans go, and how to export them when they are not.
    static func tracingLine(_ tracing: TracingSettings) -> String {
        guard tracing.enabled, tracing.tracesEndpoint == nil else { return tracing.destination }
        return tracing.destination + "; --otlp-endpoint http://localhost:4318 (or OTEL_EXPORTER_OTLP_ENDPOINT) exports them"
    }

    /// How to run this binary as the client from the working directory (relative when it lies below it).
    static func clientCommand() -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let here = FileManager.default.currentDirectoryPath + "/"
        return executable.hasPrefix(here) ? String(executable.dropFirst(here.count)) : executable
    }

    /// `.hyperfleet/endpoints.json`: where everything is, for scripts and for `kcat`.
    static func endpointsJSON(dev: DevConfiguration, brokers: String, topics: [String: String], databaseURL: String, adapters: [String]) -> [UInt8] {
        let document: JSONValue = .object([
            "api": .string(dev.apiURL), "kafka_bootstrap": .string(brokers), "topics": .object(topics.mapValues { .string($0) }),
            "health": .object([
                "api": .string("http://\(dev.host):\(dev.healthPort)"), "sentinel": .string("http://\(dev.host):\(dev.sentinelHealthPort)"),
            ]),
            "metrics": .string("http://\(dev.host):\(dev.metricsPort)/metrics"), "database": .string(redacted(databaseURL)),
            "adapters": .array(adapters.map { .string($0) }),
        ])
        return document.jsonBytes() + [UInt8(ascii: "\n")]
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

/// Creates the cluster `demo` and its nodepool `workers` through the API when no cluster exists, so that
/// `hyperfleet get clusters` and `hyperfleet describe cluster demo` show something at once. Returns what
/// to say, or nil when there were clusters already. A failure is said, never fatal: the stack stays up.
private func seedDemoCluster(_ apiURL: String) async -> String? {
    let client = HyperFleetClient(server: apiURL)
    do {
        guard try await client.list(.cluster, ListRequest(pageSize: 1, orderBy: nil)).items.isEmpty else { return nil }
        let cluster = try await client.create(.cluster, body: .object([
            "kind": .string("Cluster"), "name": .string("demo"), "labels": .object(["env": .string("dev")]),
            "spec": .object(["region": .string("us-east-1")]),
        ]))
        guard let id = cluster.value.at("id")?.stringValue else { return "created the cluster demo" }
        _ = try await client.create(.nodePool, clusterID: id, body: .object([
            "kind": .string("NodePool"), "name": .string("workers"), "spec": .object(["replicas": .int(3)]),
        ]))
        return "created the cluster demo (\(id)) and its nodepool workers, as the database had no cluster (--no-demo skips this)"
    } catch {
        return "could not create the demo cluster: \(error)"
    }
}

private func redacted(_ url: String) -> String {
    url.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
}
