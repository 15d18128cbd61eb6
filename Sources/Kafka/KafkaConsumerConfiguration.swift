/// Settings for a `KafkaConsumer` that joins a consumer group.
public struct KafkaConsumerConfiguration: Sendable {
    /// Comma-separated `host:port` list used to discover the cluster.
    public var bootstrapServers: String
    /// Consumer group (`group.id`); members of one group share the partitions.
    public var groupID: String
    /// Topics to subscribe to.
    public var topics: [String]
    /// Passed through to librdkafka verbatim; unknown properties are an init error naming the property.
    public var properties: [String: String]

    /// Creates a configuration; `properties` override the defaults below.
    public init(bootstrapServers: String, groupID: String, topics: [String], properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
        self.properties = properties
    }

    /// Start from the oldest record for new groups and commit offsets automatically.
    public static let defaultProperties: [String: String] = [
        "auto.offset.reset": "earliest",
        "enable.auto.commit": "true",
    ]

    /// The complete property set handed to librdkafka.
    var effectiveProperties: [String: String] {
        var merged = Self.defaultProperties
        merged.merge(properties) { _, user in user }
        merged["bootstrap.servers"] = bootstrapServers
        merged["group.id"] = groupID
        return merged
    }
}
