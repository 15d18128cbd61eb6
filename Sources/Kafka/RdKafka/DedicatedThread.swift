import Foundation

/// Runs blocking librdkafka calls (flush, metadata, admin) off the cooperative thread pool.
enum DedicatedThread {
    /// Runs `body` on a fresh OS thread and resumes the caller with its result.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }

    /// Starts a long-lived OS thread (poll loops); it keeps whatever `body` captures alive until it returns.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }
}

extension Duration {
    /// Milliseconds for librdkafka's `int timeout_ms` parameters, clamped to `0...Int32.max`.
    var kafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let millis = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return Int32(clamping: Int64(max(0, min(millis.rounded(.up), Double(Int32.max)))))
    }
}
