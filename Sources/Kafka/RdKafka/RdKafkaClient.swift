import CRdKafka
import Foundation
import Synchronization

/// Owns one `rd_kafka_t*` and the retained callback context; the only place a handle is created or destroyed.
///
/// Threads other than the owner borrow the handle through `withHandle`, which refuses once destruction has
/// begun and makes `destroy()` wait for current borrowers, so no call ever sees a freed handle.
final class RdKafkaClient: @unchecked Sendable {
    // @unchecked: librdkafka handles are thread-safe; the raw pointer is guarded by `usage`.
    private let handle: OpaquePointer
    private let context: Unmanaged<CallbackContext>

    private struct Usage {
        var borrowers = 0
        var isDestroying = false
    }

    private let usage = Mutex(Usage())

    /// Creates a handle of `type` from `properties`, reporting the offending property on failure.
    init(type: rd_kafka_type_t, properties: [String: String], context: CallbackContext) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: KafkaError.invalidArgumentCode, message: "rd_kafka_conf_new failed", isRetriable: false)
        }
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errorText = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let kind = result == RD_KAFKA_CONF_UNKNOWN ? "unknown configuration property" : "invalid value for configuration property"
                throw KafkaError(
                    code: KafkaError.invalidArgumentCode,
                    message: "\(kind) \"\(name)\": \(cText(errorText))",
                    isRetriable: false
                )
            }
        }
        let retained = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        RdKafkaCallbacks.install(on: conf, deliveryReports: context.deliveries != nil, rebalances: context.rebalances != nil)

        var errorText = [CChar](repeating: 0, count: 512)
        guard let created = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)  // rd_kafka_new only takes ownership of conf on success
            retained.release()
            throw KafkaError(
                code: KafkaError.invalidArgumentCode,
                message: "cannot create Kafka client: \(cText(errorText))",
                isRetriable: false
            )
        }
        handle = created
        self.context = retained
    }

    /// The raw handle, for the single owner thread that will also call `destroy()`.
    var ownerHandle: OpaquePointer { handle }

    /// Runs `body` with the handle unless destruction has begun (then returns `nil`).
    func withHandle<T>(_ body: (OpaquePointer) throws(KafkaError) -> T) throws(KafkaError) -> T? {
        let admitted = usage.withLock { usage -> Bool in
            guard !usage.isDestroying else { return false }
            usage.borrowers += 1
            return true
        }
        guard admitted else { return nil }
        defer { usage.withLock { $0.borrowers -= 1 } }
        return try body(handle)
    }

    /// Destroys the handle once all borrowers are done; later calls do nothing.
    func destroy(flags: Int32 = 0) {
        let first = usage.withLock { usage -> Bool in
            defer { usage.isDestroying = true }
            return !usage.isDestroying
        }
        guard first else { return }
        // Borrowers run bounded calls (non-blocking produce or calls with their own timeout).
        while usage.withLock({ $0.borrowers }) > 0 { usleep(5_000) }
        rd_kafka_destroy_flags(handle, flags)
        context.release()
    }
}

/// Reads a NUL-terminated C buffer filled in by librdkafka.
func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Converts a C string owned by librdkafka (may be NULL) into a Swift string.
func cText(_ pointer: UnsafePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}
