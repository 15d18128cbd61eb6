/// Settings for a `KafkaProducer`.
public struct KafkaProducerConfiguration: Sendable {
    /// Comma-separated `host:port` list used to discover the cluster.
    public var bootstrapServers: String
    /// Passed through to librdkafka verbatim (SASL, TLS, compression, message.timeout.ms, ...). Unknown
    /// properties are an init error naming the property.
    public var properties: [String: String]

    /// Creates a configuration; `properties` override the defaults below.
    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.properties = properties
    }

    /// Safe-by-default producer settings: exactly-once per partition, full acknowledgement, short batching.
    public static let defaultProperties: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
        "linger.ms": "5",
        "message.timeout.ms": "10000",
    ]

    /// The complete property set handed to librdkafka (defaults, then user properties, then bootstrap servers).
    var effectiveProperties: [String: String] {
        var merged = Self.defaultProperties
        merged.merge(properties) { _, user in user }
        merged["bootstrap.servers"] = bootstrapServers
        return merged
    }
}
