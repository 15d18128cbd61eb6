import DequeModule
import Foundation

/// The bounded hand-over of records from the consumer's poll thread to the application.
///
/// The poll thread waits for room before it polls librdkafka again, so a slow application stops
/// the polling; librdkafka's own prefetch queue is bounded by `queued.max.messages.kbytes` and
/// `queued.min.messages`. Memory held here is at most `capacity` records.
final class ConsumerBuffer: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private var records = Deque<KafkaConsumerMessage>()
    private let capacity: Int
    private var waiter: CheckedContinuation<KafkaConsumerMessage?, any Error>?
    /// Set once no more records will be delivered: `.success` for a normal end.
    private var end: Result<Void, KafkaError>?

    init(capacity: Int) {
        precondition(capacity > 0, "a consumer buffer needs room for at least one record")
        self.capacity = capacity
        records.reserveCapacity(capacity)
    }

    private var count: Int { records.count }

    /// Records waiting to be taken.
    var bufferedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    // MARK: Poll thread

    /// Waits up to `timeout` for room for one record; false on timeout or once delivery has ended.
    func waitForRoom(timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while end == nil, count >= capacity {
            guard condition.wait(until: deadline) else { return false }
        }
        if end != nil {
            // Nobody takes records any more: idle until the consumer is closed.
            _ = condition.wait(until: deadline)
            return false
        }
        return true
    }

    /// Hands one record over (after `waitForRoom` said there is room); dropped once delivery has ended.
    func push(_ record: KafkaConsumerMessage) {
        condition.lock()
        guard end == nil else { return condition.unlock() }
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: record)
            return
        }
        records.append(record)
        condition.unlock()
    }

    /// Drops records of revoked partitions that the application has not taken yet.
    func discard(where shouldDiscard: (KafkaConsumerMessage) -> Bool) {
        condition.lock()
        records.removeAll(where: shouldDiscard)
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Application

    /// The next record; nil once delivery ended normally, throws when it ended with an error. A reader
    /// whose task is cancelled while it waits gets `CancellationError` (records stay buffered).
    func next() async throws -> KafkaConsumerMessage? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                if let record = records.popFirst() {
                    condition.broadcast()
                    condition.unlock()
                    continuation.resume(returning: record)
                } else if let end {
                    condition.unlock()
                    continuation.resume(with: end.map { nil }.mapError { $0 as any Error })
                } else if Task.isCancelled {
                    // Cancelled before this reader waited: the handler found no waiter to end.
                    condition.unlock()
                    continuation.resume(throwing: CancellationError())
                } else {
                    precondition(waiter == nil, "a consumer's records are read by one iterator at a time")
                    waiter = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            condition.lock()
            let waiting = waiter
            waiter = nil
            condition.unlock()
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Ends delivery: records not yet taken are dropped (they were not finished, so they are read
    /// again by whoever consumes the partition next), a waiting reader gets `result`.
    func finish(_ result: Result<Void, KafkaError> = .success(())) {
        condition.lock()
        if end == nil { end = result }
        records.removeAll()
        let waiting = waiter
        waiter = nil
        condition.broadcast()
        condition.unlock()
        waiting?.resume(with: result.map { nil }.mapError { $0 as any Error })
    }
}
