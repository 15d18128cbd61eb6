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
    /// Records handed over but not yet taken by the application; when full, the consumer stops
    /// polling librdkafka until the application takes one.
    public var bufferCapacity: Int
    /// Which offsets the group commits.
    public var offsetCommits: OffsetCommits

    /// Which offsets the group commits (periodically, on rebalance and on close).
    public enum OffsetCommits: Sendable, Equatable {
        /// Every record handed to the application counts as done (at-most-once after a crash).
        case onDelivery
        /// Per partition, the offset below which the application called `finished(_:)` for every
        /// record (at-least-once: a crashed member's unfinished records are read again).
        case whenFinished
    }

    /// Creates a configuration; `properties` override the defaults below.
    public init(
        bootstrapServers: String, groupID: String, topics: [String], properties: [String: String] = [:],
        bufferCapacity: Int = 256, offsetCommits: OffsetCommits = .onDelivery
    ) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
        self.properties = properties
        self.bufferCapacity = bufferCapacity
        self.offsetCommits = offsetCommits
    }

    /// Start from the oldest record for new groups and commit offsets automatically. librdkafka
    /// prefetches up to 64 MiB per consumer by default; 8 MiB keeps a process with several consumers
    /// (the dev stack's six adapters) small and is still many batches ahead of the application.
    public static let defaultProperties: [String: String] = [
        "auto.offset.reset": "earliest",
        "enable.auto.commit": "true",
        "queued.max.messages.kbytes": "8192",
    ]

    /// The complete property set handed to librdkafka.
    var effectiveProperties: [String: String] {
        var merged = Self.defaultProperties
        merged.merge(properties) { _, user in user }
        merged["bootstrap.servers"] = bootstrapServers
        merged["group.id"] = groupID
        if offsetCommits == .whenFinished {
            // The consumer stores offsets itself (see `KafkaConsumer.finished(_:)`); librdkafka commits
            // what was stored.
            merged["enable.auto.offset.store"] = "false"
            merged["enable.auto.commit"] = "true"
        }
        return merged
    }
}
