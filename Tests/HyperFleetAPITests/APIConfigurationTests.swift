import HyperFleetAPI
import HyperFleetConfig
import Testing

@Suite("API configuration")
struct APIConfigurationTests {
    static let valid = """
        server: {port: 9000}
        auth: {enabled: false}
        adapters: {required: {clusters: [validation, dns]}}
        """

    func load(_ yaml: String, _ environment: [String: String] = [:]) throws -> APIConfiguration {
        let path = "/tmp/hf-config-\(UInt64.random(in: 0...UInt64.max)).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try APIConfiguration.load(file: path, environment: environment)
    }

    @Test func fileThenEnvironment() throws {
        let fromFile = try load(Self.valid)
        #expect(fromFile.server.port == 9000)
        #expect(fromFile.server.healthPort == 8080)
        #expect(fromFile.requiredAdapters.clusters == ["validation", "dns"])
        #expect(fromFile.requiredAdapters.nodepools == ["validation", "hypershift"])
        let overridden = try load(Self.valid, [
            "HYPERFLEET_API_SERVER_PORT": "9100", "HYPERFLEET_API_ADAPTERS_REQUIRED_NODEPOOLS": "a-one, b-two",
            "HYPERFLEET_API_SERVER_SHUTDOWN_TIMEOUT": "1m30s", "HYPERFLEET_API_SERVER_IDLE_TIMEOUT": "0s",
            "HYPERFLEET_API_SERVER_MAX_CONNECTIONS": "64",
        ])
        #expect(overridden.server.port == 9100)
        #expect(overridden.requiredAdapters.nodepools == ["a-one", "b-two"])
        #expect(overridden.server.shutdownTimeout == .seconds(90))
        #expect(fromFile.server.idleTimeout == .seconds(75))
        #expect(overridden.server.idleTimeout == .zero)
        #expect(fromFile.server.maxConnections == 1000)
        #expect(overridden.server.maxConnections == 64)
    }

    /// The API reads only its own variables and the shared ones: another role's (or the old unprefixed
    /// names) change nothing, the log level and database URL are shared.
    @Test func theAPIReadsItsOwnAndTheSharedVariablesOnly() throws {
        let configuration = try load(Self.valid, [
            "HYPERFLEET_SERVER_PORT": "9100", "HYPERFLEET_SERVER_HEALTH_PORT": "9101", "HYPERFLEET_SENTINEL_SERVER_HEALTH_PORT": "9102",
            "HYPERFLEET_LOG_LEVEL": "debug", "HYPERFLEET_DATABASE_URL": "host=shared",
        ])
        #expect(configuration.server.port == 9000)
        #expect(configuration.server.healthPort == 8080)
        #expect(configuration.log.level == "debug")
        #expect(configuration.database.url == "host=shared")
        #expect(configuration.summary.contains("max_connections: 1000"))
    }

    @Test func theShippedFileIsValid() throws {
        let configuration = try APIConfiguration.load(file: "config/api.yaml", environment: [:])
        #expect(configuration.server.port == 8000)
        #expect(configuration.server.maxConnections == 1000)
    }

    @Test func databaseURLPrecedence() throws {
        let yaml = Self.valid + "\ndatabase: {url: 'host=file'}"
        #expect(try load(yaml).database.url == "host=file")
        #expect(try load(yaml, ["DATABASE_URL": "host=plain"]).database.url == "host=plain")
        #expect(try load(yaml, ["DATABASE_URL": "host=plain", "HYPERFLEET_DATABASE_URL": "host=prefixed"]).database.url == "host=prefixed")
    }

    @Test(arguments: [
        ("server: {prot: 1}\nauth: {enabled: false}", "server.prot"),
        ("server: {port: 70000}\nauth: {enabled: false}", "server.port"),
        ("server: {port: abc}\nauth: {enabled: false}", "server.port"),
        ("server: {shutdown_timeout: -5s}\nauth: {enabled: false}", "server.shutdown_timeout"),
        ("server: {shutdown_timeout: soon}\nauth: {enabled: false}", "server.shutdown_timeout"),
        ("server: {idle_timeout: -1s}\nauth: {enabled: false}", "server.idle_timeout"),
        ("server: {max_connections: 0}\nauth: {enabled: false}", "server.max_connections"),
        ("auth: {enabled: true}", "auth.jwks_file"),
        ("auth: {enabled: false, leeway: 2m}", "auth.leeway"),
        ("auth: {enabled: false}\nadapters: {required: {clusters: [Bad_Name]}}", "adapters.required.clusters"),
        ("auth: {enabled: false}\nlog: {level: loud}", "log.level"),
        ("auth: {enabled: false, adapter_write_claim: {claim: scope}}", "auth.adapter_write_claim"),
        ("auth: {enabled: false}\nextra: 1", "extra"),
    ])
    func badConfigurationNamesTheKey(yaml: String, key: String) throws {
        do {
            try load(yaml).validate()
            Issue.record("accepted: \(yaml)")
        } catch let error as ConfigError {
            #expect(error.key == key, "\(error)")
            #expect(error.description.contains(key))
        }
    }
}
