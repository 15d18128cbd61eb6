import HyperFleetConfig
import Testing

@Suite("sentinel configuration")
struct SentinelConfigTests {
    func load(_ yaml: String, _ environment: [String: String] = [:]) throws -> SentinelConfiguration {
        let path = "/tmp/hf-sentinel-\(UInt64.random(in: 0...UInt64.max)).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try SentinelConfiguration.load(file: path, environment: environment)
        try configuration.validate()
        return configuration
    }

    @Test func defaultsMatchTheDesign() throws {
        let configuration = try load("")
        #expect(configuration.pollInterval == .seconds(5))
        #expect(configuration.notReadyBackoff.base == .seconds(10))
        #expect(configuration.notReadyBackoff.max == .seconds(300))
        #expect(configuration.failedBackoff.base == .seconds(30))
        #expect(configuration.failedBackoff.max == .seconds(1800))
        #expect(configuration.debounce == .seconds(10))
        #expect(configuration.maxAgeReady == .seconds(1800))
        #expect(configuration.staleAdapterAfter == .seconds(3600))
        #expect(configuration.staleCheckInterval == .seconds(30))
        #expect(configuration.claimLease == .seconds(30))
        #expect(configuration.kafka.clustersTopic == "hyperfleet-clusters")
        #expect(configuration.healthPort == 8081)
        #expect(configuration.metricsPort == 9091)
    }

    @Test func theShippedFilesAreValid() throws {
        for file in ["config/sentinel.yaml"] {
            let configuration = try SentinelConfiguration.load(file: file, environment: [:])
            try configuration.validate()
        }
    }

    @Test func environmentAndPassThroughProperties() throws {
        let configuration = try load(
            "kafka: {properties: {compression.type: zstd, security.protocol: SASL_SSL}}",
            ["HYPERFLEET_KAFKA_BROKERS": "b1:9092,b2:9092", "HYPERFLEET_POLL_INTERVAL": "2s"])
        #expect(configuration.kafka.brokers == "b1:9092,b2:9092")
        #expect(configuration.pollInterval == .seconds(2))
        #expect(configuration.kafka.properties["compression.type"] == "zstd")
        #expect(configuration.kafka.properties["security.protocol"] == "SASL_SSL")
    }

    @Test func kafkaPropertiesFromTheEnvironment() throws {
        let configuration = try load("", ["HYPERFLEET_KAFKA_PROPERTIES": "security.protocol=SASL_SSL, sasl.password=a=b"])
        #expect(configuration.kafka.properties == ["security.protocol": "SASL_SSL", "sasl.password": "a=b"])
        #expect(!configuration.summary.contains("a=b"), "secrets are redacted in --check output")
        #expect(throws: ConfigError.self) { try load("", ["HYPERFLEET_KAFKA_PROPERTIES": "novalue"]) }
    }

    @Test(arguments: [
        ("max_age_ready: -5s", "max_age_ready"),
        ("pol_interval: 5s", "pol_interval"),
        ("kafka: {topics: {clusters: ''}}", "kafka.topics.clusters"),
        ("kafka: {topics: {alerts: '  '}}", "kafka.topics.alerts"),
        ("kafka: {event_mode: fancy}", "kafka.event_mode"),
        ("debounce: 0s", "debounce"),
        ("stale_adapter_after: 30m", "stale_adapter_after"),
        ("not_ready_backoff_base: 10m", "not_ready_backoff_base"),
        ("resource_types: [clusters, machines]", "resource_types"),
        ("kafka: {properties: {message.timeout.ms: '20000'}}", "kafka.properties.message.timeout.ms"),
        ("claim_lease: 5s", "claim_lease"),
    ])
    func badConfigurationNamesTheKey(yaml: String, key: String) throws {
        do {
            _ = try load(yaml)
            Issue.record("accepted: \(yaml)")
        } catch let error as ConfigError {
            #expect(error.key == key, "\(error)")
        }
    }
}
