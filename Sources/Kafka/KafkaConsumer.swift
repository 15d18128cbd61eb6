import Logging

/// A consumer-group member whose records arrive through an async sequence.
///
/// Dropping the last reference (including any `messages` iterator) without `close()` stops it in the background.
public final class KafkaConsumer: Sendable {
    private let core: ConsumerCore

    /// Creates the consumer and subscribes; throws if a property is unknown or invalid (the error names it).
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        core = try ConsumerCore(configuration: configuration, logger: logger)
    }

    deinit {
        core.requestStop()
    }

    /// Records in arrival order (see `KafkaConsumerMessages`: single-use, keeps the consumer alive).
    public var messages: KafkaConsumerMessages { KafkaConsumerMessages(consumer: self, stream: core.messages) }

    /// Leaves the group, destroys the client and finishes `messages`.
    public func close() async {
        await core.close()
    }
}
