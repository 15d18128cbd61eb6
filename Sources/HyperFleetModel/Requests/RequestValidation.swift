import HyperFleetJSON
/// Turns request bodies into typed values, checking CONTRACT rules in order (first failing step wins;
/// a step may report several details). Failures are code 17 (not a JSON object) or 8 (validation).
public enum RequestValidation {
    /// How far ahead of the server clock an adapter's `observed_time` may be.
    public static let maximumClockSkewSeconds: Double = 300

    /// Fields the server sets; clients may not send them.
    static let readOnlyFields: Set<String> = [
        "id", "href", "status", "generation", "created_time", "created_by", "updated_time", "updated_by",
        "deleted_time", "deleted_by", "owner_references",
    ]

    /// POST /clusters body.
    public static func clusterCreate(_ body: [UInt8]) -> Result<ResourceCreate, APIError> {
        resourceCreate(body, kind: "Cluster", kindRequired: true)
    }

    /// POST /clusters/{id}/nodepools body.
    public static func nodePoolCreate(_ body: [UInt8]) -> Result<ResourceCreate, APIError> {
        resourceCreate(body, kind: "NodePool", kindRequired: false)
    }

    private static func resourceCreate(_ body: [UInt8], kind: String, kindRequired: Bool) -> Result<ResourceCreate, APIError> {
        let members: [String: JSONValue]
        switch parseObject(body) {
        case .success(let parsed): members = parsed
        case .failure(let error): return .failure(error)
        }

        // Step 2: unknown or read-only fields.
        let fieldProblems = disallowedFields(in: members, allowed: ["kind", "name", "spec", "labels"])
        if !fieldProblems.isEmpty { return .failure(validationError(fieldProblems)) }

        // Step 3: kind. A null optional member reads as absent.
        switch present(members["kind"]) {
        case .string(kind)?:
            break
        case nil where !kindRequired:
            break
        case nil:
            return .failure(validationError([FieldError(field: "kind", error: "is required and must be \"\(kind)\"")]))
        case let other?:
            return .failure(validationError([FieldError(field: "kind", error: "must be \"\(kind)\", got \(other.serialized())")]))
        }

        // Step 4: name.
        guard case .string(let name)? = present(members["name"]) else {
            let error = members["name"].map { "must be a string, got \($0.typeName)" } ?? "is required"
            return .failure(validationError([FieldError(field: "name", error: error)]))
        }
        if let problem = Names.resourceNameProblem(name) {
            return .failure(validationError([FieldError(field: "name", error: problem)]))
        }

        // Step 5: spec and labels, reported together.
        var details: [FieldError] = []
        let spec = present(members["spec"])?.objectValue
        if spec == nil {
            let error = present(members["spec"]).map { "must be a JSON object, got \($0.typeName)" } ?? "is required and must be a JSON object"
            details.append(FieldError(field: "spec", error: error))
        }
        var labels: [String: String] = [:]
        if let labelsValue = present(members["labels"]) {
            let problems = LabelRules.problems(in: labelsValue, field: "labels", allowNullValues: false)
            details.append(contentsOf: problems)
            if problems.isEmpty { labels = labelsValue.objectValue?.compactMapValues { $0.stringValue } ?? [:] }
        }
        guard details.isEmpty, let spec else { return .failure(validationError(details)) }
        return .success(ResourceCreate(name: name, spec: spec, labels: labels))
    }

    /// PATCH body: object with only `spec` and/or `labels` (at least one); `name`, `kind`, read-only or
    /// unknown fields -> 8 naming them. In replace mode `spec` must be an object and labels a valid map.
    public static func patch(_ body: [UInt8], mode: PatchMode) -> Result<ResourcePatch, APIError> {
        let members: [String: JSONValue]
        switch parseObject(body) {
        case .success(let parsed): members = parsed
        case .failure(let error): return .failure(error)
        }

        let fieldProblems = disallowedFields(in: members, allowed: ["spec", "labels"])
        if !fieldProblems.isEmpty { return .failure(validationError(fieldProblems)) }
        if members.isEmpty {
            return .failure(validationError([FieldError(field: "body", error: "must contain spec and/or labels")]))
        }

        var details: [FieldError] = []
        if let spec = members["spec"], spec.objectValue == nil {
            // In merge mode a non-object (or null) spec would replace (or remove) the spec object.
            details.append(FieldError(field: "spec", error: "must be a JSON object, got \(spec.typeName)"))
        }
        if let labels = members["labels"] {
            switch mode {
            case .replace:
                details.append(contentsOf: LabelRules.problems(in: labels, field: "labels", allowNullValues: false))
            case .merge where !labels.isNull:
                details.append(contentsOf: LabelRules.problems(in: labels, field: "labels", allowNullValues: true))
            case .merge:
                break // `"labels": null` removes every label
            }
        }
        if !details.isEmpty { return .failure(validationError(details)) }
        return .success(ResourcePatch(mode: mode, spec: members["spec"], labels: members["labels"]))
    }

    // MARK: Shared steps

    /// Step 1: the body must be valid JSON and an object -> else code 17.
    static func parseObject(_ body: [UInt8]) -> Result<[String: JSONValue], APIError> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(body)
        } catch {
            return .failure(APIError(.malformedBody, "request body is not valid JSON: \(error.message)"))
        }
        guard let members = value.objectValue else {
            return .failure(APIError(.malformedBody, "request body must be a JSON object, got \(value.typeName)"))
        }
        if let path = value.pathOfNULCharacter() {
            return .failure(validationError([FieldError(field: path, error: "contains the character U+0000, which cannot be stored")]))
        }
        return .success(members)
    }

    /// One detail per member that is not in `allowed`, sorted by name, saying whether it is read-only.
    static func disallowedFields(in members: [String: JSONValue], allowed: Set<String>) -> [FieldError] {
        members.keys.filter { !allowed.contains($0) }.sorted().map { field in
            if readOnlyFields.contains(field) || field.hasPrefix("created_") || field.hasPrefix("updated_") {
                return FieldError(field: field, error: "is read-only and set by the server")
            }
            if field == "name" || field == "kind" {
                return FieldError(field: field, error: "cannot be changed")
            }
            return FieldError(field: field, error: "unknown field")
        }
    }

    /// A validation error (code 8) whose reason lists the offending fields.
    static func validationError(_ details: [FieldError]) -> APIError {
        let summary = details.map { "\($0.field) \($0.error)" }.joined(separator: "; ")
        return APIError(.validation, "invalid request body: \(summary)", details: details)
    }

    /// A member that is absent or JSON null reads as absent.
    static func present(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }
}
