import HyperFleetJSON
extension RequestValidation {
    /// `now` = server clock; observed_time more than 5 min ahead -> 8. adapter: resource-name syntax.
    public static func statusReport(_ body: [UInt8], now: Timestamp) -> Result<StatusReport, APIError> {
        let members: [String: JSONValue]
        switch parseObject(body) {
        case .success(let parsed): members = parsed
        case .failure(let error): return .failure(error)
        }

        let fieldProblems = disallowedFields(
            in: members, allowed: ["adapter", "observed_generation", "observed_time", "conditions", "metadata", "data"])
        if !fieldProblems.isEmpty { return .failure(validationError(fieldProblems)) }

        // Every remaining rule is one step: report all problems at once.
        var details: [FieldError] = []

        var adapter = ""
        switch present(members["adapter"]) {
        case .string(let name)?:
            adapter = name
            if let problem = Names.resourceNameProblem(name) { details.append(FieldError(field: "adapter", error: problem)) }
        case nil: details.append(FieldError(field: "adapter", error: "is required"))
        case let other?: details.append(FieldError(field: "adapter", error: "must be a string, got \(other.typeName)"))
        }

        var observedGeneration: Int64 = 0
        switch present(members["observed_generation"]) {
        case nil: details.append(FieldError(field: "observed_generation", error: "is required"))
        case let value?:
            if let number = value.exactIntegerValue, number >= 1 {
                observedGeneration = number
            } else {
                details.append(FieldError(field: "observed_generation", error: "must be an integer >= 1, got \(value.serialized())"))
            }
        }

        var observedTime = now
        switch present(members["observed_time"]) {
        case nil: details.append(FieldError(field: "observed_time", error: "is required"))
        case .string(let text)?:
            if let parsed = Timestamp.parseRFC3339(text) {
                observedTime = parsed
                if parsed > now.adding(seconds: maximumClockSkewSeconds) {
                    details.append(FieldError(field: "observed_time",
                                              error: "is more than 5 minutes ahead of the server clock (\(now.rfc3339))"))
                }
            } else {
                details.append(FieldError(field: "observed_time", error: "must be an RFC 3339 date-time, got \"\(text)\""))
            }
        case let other?: details.append(FieldError(field: "observed_time", error: "must be an RFC 3339 string, got \(other.typeName)"))
        }

        var conditions: [ReportedCondition] = []
        switch present(members["conditions"]) {
        case nil: details.append(FieldError(field: "conditions", error: "is required"))
        case .array(let elements)?:
            conditions = validateConditions(elements, details: &details)
        case let other?: details.append(FieldError(field: "conditions", error: "must be an array, got \(other.typeName)"))
        }

        let metadata = present(members["metadata"])
        if let metadata { details.append(contentsOf: metadataProblems(metadata)) }

        let data = present(members["data"])
        if let data, data.objectValue == nil {
            details.append(FieldError(field: "data", error: "must be a JSON object, got \(data.typeName)"))
        }

        if !details.isEmpty { return .failure(validationError(details)) }
        return .success(StatusReport(adapter: adapter, observedGeneration: observedGeneration, observedTime: observedTime,
                                     conditions: conditions, metadata: metadata, data: data))
    }

    private static func validateConditions(_ elements: [JSONValue], details: inout [FieldError]) -> [ReportedCondition] {
        var conditions: [ReportedCondition] = []
        var seenTypes: Set<String> = []
        for (position, element) in elements.enumerated() {
            let path = "conditions[\(position)]"
            guard let members = element.objectValue else {
                details.append(FieldError(field: path, error: "must be an object, got \(element.typeName)"))
                continue
            }
            for field in members.keys.sorted() where !["type", "status", "reason", "message"].contains(field) {
                details.append(FieldError(field: "\(path).\(field)", error: "unknown field"))
            }
            var type: String?
            switch present(members["type"]) {
            case .string(let text)? where !text.isEmpty:
                if seenTypes.insert(text).inserted {
                    type = text
                } else {
                    details.append(FieldError(field: "\(path).type", error: "duplicate condition type \"\(text)\""))
                }
            case nil: details.append(FieldError(field: "\(path).type", error: "is required"))
            case let other?: details.append(FieldError(field: "\(path).type", error: "must be a non-empty string, got \(other.serialized())"))
            }
            var status: ConditionStatus?
            switch present(members["status"]) {
            case .string(let text)? where ConditionStatus(rawValue: text) != nil:
                status = ConditionStatus(rawValue: text)
            case nil: details.append(FieldError(field: "\(path).status", error: "is required"))
            case let other?:
                details.append(FieldError(field: "\(path).status", error: "must be one of True, False, Unknown, got \(other.serialized())"))
            }
            let reason = optionalString(members["reason"], field: "\(path).reason", details: &details)
            let message = optionalString(members["message"], field: "\(path).message", details: &details)
            if let type, let status {
                conditions.append(ReportedCondition(type: type, status: status, reason: reason, message: message))
            }
        }
        return conditions
    }

    private static func optionalString(_ value: JSONValue?, field: String, details: inout [FieldError]) -> String? {
        switch present(value) {
        case nil: return nil
        case .string(let text)?: return text
        case let other?:
            details.append(FieldError(field: field, error: "must be a string, got \(other.typeName)"))
            return nil
        }
    }

    /// The spec types `metadata`: an object whose known members have fixed types (others pass through).
    private static func metadataProblems(_ metadata: JSONValue) -> [FieldError] {
        guard let members = metadata.objectValue else {
            return [FieldError(field: "metadata", error: "must be a JSON object, got \(metadata.typeName)")]
        }
        var problems: [FieldError] = []
        for field in ["job_name", "job_namespace", "duration"] {
            if let value = present(members[field]), value.stringValue == nil {
                problems.append(FieldError(field: "metadata.\(field)", error: "must be a string, got \(value.typeName)"))
            }
        }
        if let attempt = present(members["attempt"]), attempt.exactIntegerValue == nil {
            problems.append(FieldError(field: "metadata.attempt", error: "must be an integer, got \(attempt.serialized())"))
        }
        for field in ["started_time", "completed_time"] {
            if let value = present(members[field]), value.stringValue.flatMap(Timestamp.parseRFC3339) == nil {
                problems.append(FieldError(field: "metadata.\(field)", error: "must be an RFC 3339 date-time, got \(value.serialized())"))
            }
        }
        return problems
    }
}
