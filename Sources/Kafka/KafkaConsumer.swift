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

    /// Records in arrival order (see `KafkaConsumerMessages`: keeps the consumer alive).
    public var messages: KafkaConsumerMessages { KafkaConsumerMessages(consumer: self, core: core) }

    /// With `OffsetCommits.whenFinished`: the application is done with `record` (handled, or dropped
    /// on purpose). Its partition's commit offset moves once every earlier record is done too. Records
    /// of a partition revoked since they were received are ignored; does nothing with `.onDelivery`.
    public func finished(_ record: KafkaConsumerMessage) {
        core.finished(record)
    }

    /// Ends `messages` (records not taken yet are dropped) while staying in the group, so records
    /// still being handled can finish and count before `close()` commits.
    public func stopReading() {
        core.stopReading()
    }

    /// Records handed over by librdkafka and not yet taken by the application (for tests and metrics).
    public var bufferedCount: Int { core.bufferedCount }

    /// Leaves the group (committing the stored offsets), destroys the client and finishes `messages`.
    public func close() async {
        await core.close()
    }
}
