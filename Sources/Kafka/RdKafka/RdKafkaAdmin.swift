import CRdKafka

/// Blocking cluster-level requests; callers run them on a `DedicatedThread`.
enum RdKafkaAdmin {
    /// Whether some broker answers a metadata request within `timeoutMilliseconds`.
    static func canFetchMetadata(_ handle: OpaquePointer, timeoutMilliseconds: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMilliseconds)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return error == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Creates `names` with the CreateTopics admin request; topics that already exist count as success.
    static func createTopics(
        _ handle: OpaquePointer, names: [String], partitions: Int32, replicationFactor: Int16, timeoutMilliseconds: Int32
    ) throws(KafkaError) {
        guard !names.isEmpty else { return }
        // -1 asks the broker for its default; anything else below 1 is a caller error.
        guard partitions == -1 || partitions >= 1, replicationFactor == -1 || replicationFactor >= 1 else {
            throw KafkaError(
                code: KafkaError.invalidArgumentCode,
                message: "invalid topic specification \(names): partitions \(partitions) and replication factor "
                    + "\(replicationFactor) must each be -1 (broker default) or at least 1",
                isRetriable: false)
        }
        var errorText = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for name in names {
            guard let topic = rd_kafka_NewTopic_new(name, partitions, Int32(replicationFactor), &errorText, errorText.count) else {
                throw KafkaError(
                    code: KafkaError.invalidArgumentCode,
                    message: "invalid topic specification \"\(name)\": \(cText(errorText))", isRetriable: false)
            }
            newTopics.append(topic)
        }

        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorText, errorText.count)

        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        newTopics.withUnsafeMutableBufferPointer { topics in
            rd_kafka_CreateTopics(handle, topics.baseAddress, topics.count, options, queue)
        }
        // The request's own timeout fires first; the extra second only guards against a lost result.
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds &+ 1000) else {
            throw KafkaError(code: KafkaError.timedOutCode, message: "CreateTopics got no result in time", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            var error = KafkaError.response(eventError, context: "CreateTopics failed")
            error.message += " (\(cText(rd_kafka_event_error_string(event))))"
            throw error
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(code: KafkaError.invalidStateCode, message: "CreateTopics returned an unexpected event", isRetriable: false)
        }
        var count = 0
        guard let topicResults = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        var failures: [String] = []
        var firstFailure: KafkaError?
        for index in 0..<count {
            let topicResult = topicResults[index]
            let code = rd_kafka_topic_result_error(topicResult)
            guard code != RD_KAFKA_RESP_ERR_NO_ERROR, code.rawValue != KafkaError.topicAlreadyExistsCode else { continue }
            let name = cText(rd_kafka_topic_result_name(topicResult))
            let detail = cText(rd_kafka_topic_result_error_string(topicResult))
            failures.append("\"\(name)\": \(detail)")
            if firstFailure == nil { firstFailure = .response(code, context: "cannot create topic") }
        }
        if var error = firstFailure {
            error.message = "cannot create topics " + failures.joined(separator: "; ")
            throw error
        }
    }
}
