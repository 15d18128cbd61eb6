/// The records of a `KafkaConsumer`, in arrival order.
///
/// The sequence and its iterator keep the consumer alive, so a loop over `consumer.messages` keeps
/// consuming even if nothing else references the consumer. Single-use: ending iteration (break, task
/// cancellation) stops the consumer. Finishes after `close()`; throws only on a fatal client error.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage

    let consumer: KafkaConsumer
    let stream: AsyncThrowingStream<KafkaConsumerMessage, Error>

    /// Iterator that pins the consumer for as long as it exists.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: KafkaConsumer
        var base: AsyncThrowingStream<KafkaConsumerMessage, Error>.AsyncIterator

        /// The next record, or `nil` once the consumer is closed.
        public mutating func next() async throws -> KafkaConsumerMessage? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer, base: stream.makeAsyncIterator())
    }
}
