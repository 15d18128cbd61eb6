import Kafka
import Synchronization

/// A consumed message and when this process received it.
public struct ReceivedMessage: Sendable {
    public let message: KafkaConsumerMessage
    public let receivedAt: ContinuousClock.Instant
}

/// Drains a consumer's stream in the background, so tests can wait for what they expect with a
/// deadline. The one collector of the Kafka, Sentinel and end-to-end tests.
public final class KafkaMessageCollector: Sendable {
    private let store = Mutex<[ReceivedMessage]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)
    public let consumer: KafkaConsumer

    /// Starts draining `consumer`; `onStreamError` hears why the stream ended, if it failed.
    public init(_ consumer: KafkaConsumer, onStreamError: @escaping @Sendable (any Error) -> Void = { _ in }) {
        self.consumer = consumer
        let stream = consumer.messages
        let started = Task { [self] in
            do {
                for try await message in stream {
                    let received = ReceivedMessage(message: message, receivedAt: .now)
                    self.store.withLock { $0.append(received) }
                }
            } catch {
                onStreamError(error)
            }
        }
        task.withLock { $0 = started }
    }

    /// Everything received so far, in arrival order.
    public var received: [ReceivedMessage] { store.withLock { $0 } }

    /// The messages received so far, in arrival order.
    public var messages: [KafkaConsumerMessage] { received.map(\.message) }

    /// Waits until at least `count` received messages match `filter`, or `deadline` passes; returns the matches.
    public func waitUntil(
        _ count: Int, within deadline: Duration, matching filter: @Sendable (ReceivedMessage) -> Bool = { _ in true }
    ) async throws -> [ReceivedMessage] {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            let matches = received.filter(filter)
            if matches.count >= count { return matches }
            try await Task.sleep(for: .milliseconds(50))
        }
        return received.filter(filter)
    }

    /// Stops draining and closes the consumer.
    public func stop() async {
        task.withLock { $0?.cancel() }
        await consumer.close()
    }
}

extension KafkaConsumerMessage {
    /// A header's value as text, if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.key == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    /// The key as text, if any.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
