import CRdKafka
import Foundation

/// Converts between Swift values and librdkafka's message structures.
enum RdKafkaMessages {
    /// Enqueues `message` with `id` as its per-message opaque; librdkafka copies every buffer.
    static func produce(_ message: KafkaMessage, id: UInt, on handle: OpaquePointer) -> KafkaError? {
        let arena = CArena()
        defer { arena.freeAll() }

        var fields: [rd_kafka_vu_t] = []
        var topic = rd_kafka_vu_t()
        topic.vtype = RD_KAFKA_VTYPE_TOPIC
        topic.u.cstr = UnsafePointer(arena.cString(message.topic))
        fields.append(topic)

        if !message.value.isEmpty {
            var value = rd_kafka_vu_t()
            value.vtype = RD_KAFKA_VTYPE_VALUE
            value.u.mem.ptr = arena.bytes(message.value)
            value.u.mem.size = message.value.count
            fields.append(value)
        }
        if let key = message.key {
            var keyField = rd_kafka_vu_t()
            keyField.vtype = RD_KAFKA_VTYPE_KEY
            keyField.u.mem.ptr = arena.bytes(key)
            keyField.u.mem.size = key.count
            fields.append(keyField)
        }
        for header in message.headers {
            var field = rd_kafka_vu_t()
            field.vtype = RD_KAFKA_VTYPE_HEADER
            field.u.header.name = UnsafePointer(arena.cString(header.key))
            field.u.header.val = UnsafeRawPointer(arena.bytes(header.value))
            field.u.header.size = header.value.count
            fields.append(field)
        }
        var opaque = rd_kafka_vu_t()
        opaque.vtype = RD_KAFKA_VTYPE_OPAQUE
        opaque.u.ptr = UnsafeMutableRawPointer(bitPattern: id)
        fields.append(opaque)

        var flags = rd_kafka_vu_t()
        flags.vtype = RD_KAFKA_VTYPE_MSGFLAGS
        flags.u.i = RD_KAFKA_MSG_F_COPY
        fields.append(flags)

        let error = fields.withUnsafeBufferPointer { rd_kafka_produceva(handle, $0.baseAddress, $0.count) }
        guard let error else { return nil }
        defer { rd_kafka_error_destroy(error) }
        return KafkaError(
            code: rd_kafka_error_code(error).rawValue,
            message: "cannot enqueue message for topic \"\(message.topic)\": \(cText(rd_kafka_error_string(error)))",
            isRetriable: rd_kafka_error_is_retriable(error) != 0
        )
    }

    /// The outcome carried by a delivery report.
    static func deliveryResult(of message: UnsafePointer<rd_kafka_message_t>) -> Result<DeliveryReport, KafkaError> {
        let topic = cText(rd_kafka_topic_name(message.pointee.rkt))
        guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return .failure(.response(message.pointee.err, context: "delivery to topic \"\(topic)\" failed"))
        }
        return .success(DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset))
    }

    /// Copies a consumed record out of librdkafka's memory.
    static func consumerMessage(from message: UnsafePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let record = message.pointee
        let key = record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        let value = record.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: record.len)) } ?? []
        return KafkaConsumerMessage(
            topic: cText(rd_kafka_topic_name(record.rkt)),
            partition: record.partition,
            offset: record.offset,
            key: key,
            value: value,
            headers: headers(of: message)
        )
    }

    private static func headers(of message: UnsafePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            headers.append(KafkaHeader(key: cText(name), value: bytes))
            index += 1
        }
        return headers
    }
}

/// Temporary C copies of Swift strings and byte arrays, freed together after a librdkafka call.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(string)!
        allocations.append(UnsafeMutableRawPointer(copy))
        return copy
    }

    /// A copy of `bytes`; never NULL, even when empty, so "empty" stays distinct from "null".
    func bytes(_ bytes: [UInt8]) -> UnsafeMutableRawPointer {
        let buffer = malloc(max(bytes.count, 1))!
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.copyMemory(from: base, byteCount: source.count) }
        }
        allocations.append(buffer)
        return buffer
    }

    func freeAll() {
        for allocation in allocations { free(allocation) }
        allocations = []
    }
}

extension KafkaError {
    /// Error codes after which the same request may succeed later.
    private static let retriableCodes: Set<Int32> = [
        -195, -192, -187, -185, -184,  // transport, message timed out, all brokers down, timed out, queue full
        3, 5, 6, 7, 13, 14, 15, 16, 19, 20,  // unknown partition, leader moves, timeouts, coordinator, replicas
    ]

    /// Builds an error from a librdkafka response code, prefixing `context`.
    static func response(_ code: rd_kafka_resp_err_t, context: String) -> KafkaError {
        KafkaError(
            code: code.rawValue,
            message: "\(context): \(cText(rd_kafka_err2str(code)))",
            isRetriable: retriableCodes.contains(code.rawValue)
        )
    }
}
