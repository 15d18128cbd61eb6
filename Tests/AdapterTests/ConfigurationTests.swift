import Foundation
import HyperFleetAdapter
import HyperFleetConfig
import Testing

@Suite struct ConfigurationTests {
    /// ADAPTER.md "Preconditions", as the shipped files must say it.
    static let shipped: [(file: String, name: String, type: AdapterResourceType, preconditions: [String], clusterReady: Bool)] = [
        ("clusters-validation.yaml", "validation", .clusters, [], false),
        ("clusters-dns.yaml", "dns", .clusters, ["validation"], false),
        ("clusters-pullsecret.yaml", "pullsecret", .clusters, ["validation"], false),
        ("clusters-hypershift.yaml", "hypershift", .clusters, ["dns", "pullsecret"], false),
        ("nodepools-validation.yaml", "validation", .nodepools, [], false),
        ("nodepools-hypershift.yaml", "hypershift", .nodepools, ["validation"], true),
    ]

    @Test func shippedFilesLoadWithADAPTERmdPreconditions() throws {
        for expected in Self.shipped {
            let configuration = try AdapterConfiguration.load(file: AdapterHarness.configFile(expected.file), environment: [:])
            try configuration.validate()
            #expect(configuration.name == expected.name, "\(expected.file)")
            #expect(configuration.resourceType == expected.type, "\(expected.file)")
            #expect(configuration.preconditions == expected.preconditions, "\(expected.file)")
            #expect(configuration.requireClusterReady == expected.clusterReady, "\(expected.file)")
            #expect(configuration.jobDuration == .seconds(2), "\(expected.file)")
            #expect(configuration.behaviour == .succeed, "\(expected.file)")
            #expect(configuration.topic == expected.type.defaultTopic, "\(expected.file)")
            #expect(configuration.consumerGroup == "\(expected.name)-\(expected.type.rawValue)")
            #expect(configuration.healthPort == 8082 && configuration.metricsPort == 9092)
        }
    }

    @Test func defaultsAndEnvironmentOverrides() throws {
        let configuration = try AdapterConfiguration.load(file: nil, environment: [
            "HYPERFLEET_ADAPTER_NAME": "dns", "HYPERFLEET_ADAPTER_RESOURCE_TYPE": "nodepools",
            "HYPERFLEET_ADAPTER_API_URL": "http://api:8000", "HYPERFLEET_ADAPTER_PRECONDITIONS": "validation, other",
            "HYPERFLEET_ADAPTER_JOB_DURATION": "150ms", "HYPERFLEET_ADAPTER_BEHAVIOUR": "slow",
        ])
        try configuration.validate()
        #expect(configuration.name == "dns")
        #expect(configuration.resourceType == .nodepools)
        #expect(configuration.topic == "hyperfleet-nodepools")
        #expect(configuration.consumerGroup == "dns-nodepools")
        #expect(configuration.api.url == "http://api:8000")
        #expect(configuration.preconditions == ["validation", "other"])
        #expect(configuration.jobDuration == .milliseconds(150))
        #expect(configuration.behaviour == .slow)
        #expect(configuration.summary.contains("topic: hyperfleet-nodepools"))
    }

    @Test(arguments: [
        ("name: validation\nresource_typ: clusters\n", "resource_typ"),
        ("name: validation\nresource_type: machines\n", "resource_type"),
        ("name: validation\nbehaviour: explode\n", "behaviour"),
        ("name: validation\njob_duration: 0s\n", "job_duration"),
        ("name: validation\napi:\n  urll: http://x\n", "api.urll"),
        ("name: Validation_1\n", "name"),
        ("resource_type: clusters\n", "name"),
        ("name: dns\npreconditions: [dns]\n", "preconditions"),
        ("name: dns\npreconditions: [validation, validation]\n", "preconditions"),
        ("name: dns\nrequire_cluster_ready: true\n", "require_cluster_ready"),
        ("name: dns\napi:\n  url: ftp://x\n", "api.url"),
        ("name: dns\nkafka:\n  brokers: ' '\n", "kafka.brokers"),
    ])
    func badConfigurationNamesTheKey(yaml: String, key: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: ConfigError.self) {
            try AdapterConfiguration.load(file: file.path, environment: [:]).validate()
        }
        #expect(error?.key == key, "\(yaml) -> \(String(describing: error))")
    }
}
