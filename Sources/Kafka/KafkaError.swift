/// An error reported by librdkafka or by this library's own checks.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The `rd_kafka_resp_err_t` code (negative codes are client-side, positive ones come from the broker).
    public var code: Int32
    /// Human-readable explanation.
    public var message: String
    /// Whether retrying the same operation later may succeed.
    public var isRetriable: Bool

    /// Creates an error.
    public init(code: Int32, message: String, isRetriable: Bool) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
    }

    public var description: String { "KafkaError(\(code)\(isRetriable ? ", retriable" : "")): \(message)" }
}

extension KafkaError {
    /// librdkafka's `RD_KAFKA_RESP_ERR__MSG_TIMED_OUT`: the message was not acknowledged within `message.timeout.ms`.
    public static let messageTimedOutCode: Int32 = -192
    /// librdkafka's `RD_KAFKA_RESP_ERR__STATE`: the client is closing or closed.
    public static let invalidStateCode: Int32 = -172
    /// librdkafka's `RD_KAFKA_RESP_ERR__INVALID_ARG`: a configuration value or argument was rejected.
    public static let invalidArgumentCode: Int32 = -186
    /// librdkafka's `RD_KAFKA_RESP_ERR__TIMED_OUT`: an operation did not finish in time.
    public static let timedOutCode: Int32 = -185
    /// Broker error `TOPIC_ALREADY_EXISTS`.
    public static let topicAlreadyExistsCode: Int32 = 36

    static func closed(_ what: String) -> KafkaError {
        KafkaError(code: invalidStateCode, message: "\(what) is closed", isRetriable: false)
    }
}
