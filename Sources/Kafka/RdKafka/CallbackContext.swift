import CRdKafka
import Logging

/// State reachable from librdkafka's C callbacks through the handle's opaque pointer.
final class CallbackContext: Sendable {
    let logger: Logger
    /// Present for producers: where delivery reports are routed.
    let deliveries: DeliveryRegistry?
    /// Present for consumers: applies group rebalances.
    let rebalances: RebalanceHandler?

    init(logger: Logger, deliveries: DeliveryRegistry?, rebalances: RebalanceHandler? = nil) {
        self.logger = logger
        self.deliveries = deliveries
        self.rebalances = rebalances
    }

    /// Recovers the context from a handle created by `RdKafkaClient`.
    static func from(opaque: UnsafeMutableRawPointer?) -> CallbackContext? {
        guard let opaque else { return nil }
        return Unmanaged<CallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// The C callbacks installed on every configuration; none of them captures Swift state.
enum RdKafkaCallbacks {
    static func install(on conf: OpaquePointer, deliveryReports: Bool, rebalances: Bool) {
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, text in
            // Only reads the opaque field; librdkafka forbids real API calls from this thread.
            guard let handle, let context = CallbackContext.from(opaque: rd_kafka_opaque(handle)) else { return }
            let facilityText = facility.map { String(cString: $0) } ?? "?"
            let message = text.map { String(cString: $0) } ?? ""
            context.logger.log(level: Logger.Level(syslogLevel: level), "librdkafka \(facilityText): \(message)")
        }
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            guard let context = CallbackContext.from(opaque: opaque) else { return }
            let text = reason.map { String(cString: $0) } ?? ""
            context.logger.warning("librdkafka error \(code): \(text)")
        }
        if rebalances {
            rd_kafka_conf_set_rebalance_cb(conf) { handle, event, partitions, opaque in
                guard let handle, let partitions, let context = CallbackContext.from(opaque: opaque),
                      let rebalances = context.rebalances else { return }
                rebalances.rebalance(handle, event, partitions)
            }
        }
        guard deliveryReports else { return }
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let context = CallbackContext.from(opaque: opaque),
                  let deliveries = context.deliveries else { return }
            let id = UInt(bitPattern: message.pointee._private)
            deliveries.complete(id: id, with: RdKafkaMessages.deliveryResult(of: message))
        }
    }
}

extension Logger.Level {
    /// Maps syslog severities (librdkafka's log levels) onto swift-log levels.
    init(syslogLevel: Int32) {
        switch syslogLevel {
        case ...2: self = .critical
        case 3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}
