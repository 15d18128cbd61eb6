import Synchronization

/// Maps each in-flight message's opaque integer id to the completion that awaits its delivery report.
///
/// Every completion is removed under the lock before it is called, so it runs exactly once: either from
/// the delivery-report callback, from a failed enqueue, or from `failAll` at shutdown.
final class DeliveryRegistry: Sendable {
    typealias Completion = @Sendable (Result<DeliveryReport, KafkaError>) -> Void

    private struct State {
        var nextID: UInt = 1
        var pending: [UInt: Completion] = [:]
        var isAccepting = true
    }

    private let state = Mutex(State())

    /// Number of messages still waiting for a delivery report.
    var count: Int { state.withLock { $0.pending.count } }

    /// Allocates an id, runs `enqueue` with it and, if that succeeded, remembers `completion`.
    ///
    /// `enqueue` runs under the lock so a report can never arrive before its completion is stored, and so
    /// nothing is enqueued after `stopAccepting()`. It must not block (produce without RD_KAFKA_MSG_F_BLOCK).
    func register(_ completion: @escaping Completion, enqueue: (UInt) -> KafkaError?) -> KafkaError? {
        state.withLock { state in
            guard state.isAccepting else { return KafkaError.closed("producer") }
            let id = state.nextID
            state.nextID &+= 1
            if let error = enqueue(id) { return error }
            state.pending[id] = completion
            return nil
        }
    }

    /// Resolves the message with `id`; ignores ids that were already resolved.
    func complete(id: UInt, with result: Result<DeliveryReport, KafkaError>) {
        let completion = state.withLock { $0.pending.removeValue(forKey: id) }
        completion?(result)
    }

    /// Rejects every later `register` call with a "closed" error.
    func stopAccepting() {
        state.withLock { $0.isAccepting = false }
    }

    /// Fails every message still waiting (used after the handle is destroyed).
    func failAll(with error: KafkaError) {
        let completions = state.withLock { state -> [Completion] in
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for completion in completions { completion(.failure(error)) }
    }
}
