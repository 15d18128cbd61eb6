/// The records of a `KafkaConsumer`, in arrival order.
///
/// The sequence and its iterator keep the consumer alive, so a loop over `consumer.messages` keeps
/// consuming even if nothing else references the consumer. One iterator at a time; cancelling the
/// iterating task stops the consumer. Finishes after `close()`; throws only on a fatal client error.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage

    let consumer: KafkaConsumer
    let core: ConsumerCore

    /// Iterator that pins the consumer for as long as it exists.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        let core: ConsumerCore

        /// The next record, or `nil` once the consumer is closed.
        public mutating func next() async throws -> KafkaConsumerMessage? {
            try await core.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer, core: core)
    }
}
