/// One Kafka record header: a UTF-8 name and raw bytes.
public struct KafkaHeader: Sendable, Equatable {
    /// Header name.
    public var key: String
    /// Header value bytes.
    public var value: [UInt8]

    /// Creates a header from raw bytes.
    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }

    /// Creates a header whose value is the UTF-8 encoding of `value`.
    public init(key: String, string value: String) {
        self.init(key: key, value: Array(value.utf8))
    }
}

/// A record to be produced.
public struct KafkaMessage: Sendable, Equatable {
    /// Destination topic.
    public var topic: String
    /// Partitioning key; `nil` sends a null key (random/sticky partitioning).
    public var key: [UInt8]?
    /// Record payload.
    public var value: [UInt8]
    /// Record headers, in order.
    public var headers: [KafkaHeader]

    /// Creates a record.
    public init(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// Where the broker stored an acknowledged record.
public struct DeliveryReport: Sendable, Equatable {
    /// Topic the record was written to.
    public var topic: String
    /// Partition the record was written to.
    public var partition: Int32
    /// Offset assigned by the broker (-1001 if librdkafka could not learn it, e.g. after an idempotent retry).
    public var offset: Int64

    /// Creates a delivery report.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// A record received by a `KafkaConsumer`.
public struct KafkaConsumerMessage: Sendable, Equatable {
    /// Source topic.
    public var topic: String
    /// Source partition.
    public var partition: Int32
    /// Offset of the record in its partition.
    public var offset: Int64
    /// Record key, `nil` for a null key.
    public var key: [UInt8]?
    /// Record payload (empty for a null payload).
    public var value: [UInt8]
    /// Record headers, in order.
    public var headers: [KafkaHeader]
    /// The partition ownership it was received under (consumers with `OffsetCommits.whenFinished`).
    var ownership: FinishedOffsets.Epoch?

    /// Creates a consumed record (useful for tests and decoding).
    public init(
        topic: String, partition: Int32 = 0, offset: Int64 = 0,
        key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
    }
}
