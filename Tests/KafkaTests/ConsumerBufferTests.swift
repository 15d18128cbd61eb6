@testable import Kafka
import Testing

/// The hand-over between the poll thread and the application, without a broker.
@Suite("Consumer buffer")
struct ConsumerBufferTests {
    private func record(_ offset: Int64, partition: Int32 = 0) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: "events", partition: partition, offset: offset, value: [])
    }

    @Test("a full buffer has no room until the application takes a record")
    func capacity() async throws {
        let buffer = ConsumerBuffer(capacity: 2)
        #expect(buffer.waitForRoom(timeout: 0))
        buffer.push(record(0))
        buffer.push(record(1))
        #expect(buffer.bufferedCount == 2)
        #expect(!buffer.waitForRoom(timeout: 0.01), "full: the poll thread must not poll")
        #expect(try await buffer.next()?.offset == 0)
        #expect(buffer.waitForRoom(timeout: 0))
        #expect(try await buffer.next()?.offset == 1)
        #expect(buffer.bufferedCount == 0)
    }

    @Test("a reader waiting for a record gets the one pushed later")
    func waitingReader() async throws {
        let buffer = ConsumerBuffer(capacity: 1)
        async let next = buffer.next()
        try await Task.sleep(for: .milliseconds(50))
        buffer.push(record(7))
        #expect(try await next?.offset == 7)
        #expect(buffer.bufferedCount == 0)
    }

    /// The reader's result once cancelled. A reader that ignores the cancellation is ended by finishing
    /// the buffer after 5 s, so that the test fails instead of hanging.
    private func resultAfterCancelling(
        _ reader: Task<KafkaConsumerMessage?, any Error>, _ buffer: ConsumerBuffer
    ) async -> Result<KafkaConsumerMessage?, any Error> {
        reader.cancel()
        let release = Task { try await Task.sleep(for: .seconds(5)); buffer.finish() }
        let result = await reader.result
        release.cancel()
        return result
    }

    @Test("a waiting reader whose task is cancelled gets CancellationError; records pushed later stay")
    func cancelledReader() async throws {
        let buffer = ConsumerBuffer(capacity: 2)
        let reader = Task { try await buffer.next() }
        try await Task.sleep(for: .milliseconds(50))
        let result = await resultAfterCancelling(reader, buffer)
        #expect(throws: CancellationError.self) { try result.get() }
        buffer.push(record(3))
        #expect(try await buffer.next()?.offset == 3)
    }

    @Test("a reader cancelled before it waits gets CancellationError; a buffered record is still handed over")
    func readerCancelledFirst() async throws {
        let buffer = ConsumerBuffer(capacity: 2)
        let reader = Task {
            while !Task.isCancelled { await Task.yield() }
            return try await buffer.next()
        }
        let result = await resultAfterCancelling(reader, buffer)
        #expect(throws: CancellationError.self) { try result.get() }
        buffer.push(record(4))
        let buffered = Task {
            while !Task.isCancelled { await Task.yield() }
            return try await buffer.next()
        }
        buffered.cancel()
        #expect(try await buffered.value?.offset == 4)
    }

    @Test("finishing drops what was not taken and ends a waiting reader; later pushes are dropped")
    func finish() async throws {
        let buffer = ConsumerBuffer(capacity: 4)
        buffer.push(record(0))
        buffer.finish()
        #expect(try await buffer.next() == nil)
        buffer.push(record(1))
        #expect(buffer.bufferedCount == 0)
        #expect(!buffer.waitForRoom(timeout: 0.01), "after the end the poll thread idles")
    }

    @Test("a failed end is thrown to the reader")
    func failure() async {
        let buffer = ConsumerBuffer(capacity: 1)
        buffer.finish(.failure(KafkaError(code: -150, message: "fatal", isRetriable: false)))
        await #expect(throws: KafkaError.self) { _ = try await buffer.next() }
    }

    @Test("records of revoked partitions are discarded, the others keep their order")
    func discard() async throws {
        let buffer = ConsumerBuffer(capacity: 8)
        for offset in 0..<3 { buffer.push(record(Int64(offset), partition: 0)) }
        for offset in 0..<3 { buffer.push(record(Int64(offset), partition: 1)) }
        #expect(try await buffer.next()?.offset == 0)
        buffer.discard { $0.partition == 0 }
        #expect(buffer.bufferedCount == 3)
        var left: [Int32] = []
        for _ in 0..<3 { left.append(try #require(try await buffer.next()).partition) }
        #expect(left == [1, 1, 1])
    }
}
