/// Type-checks a parsed expression against a catalog and emits SQL with `$n` placeholders.
///
/// Security invariant: the only text appended to `sql` comes from the catalog, fixed operator
/// and function spellings in this file, and placeholders. Every user value goes to `bindings`.
struct TSLTranslator {
    private let catalog: TSLCatalog
    private var nextPlaceholder: Int
    private(set) var bindings: [String?] = []

    init(catalog: TSLCatalog, firstPlaceholder: Int) {
        self.catalog = catalog
        self.nextPlaceholder = firstPlaceholder
    }

    /// A field reference resolved against the catalog.
    private enum ResolvedField {
        case fixed(TSLField)
        case label(column: String, key: String)
        case condition(column: String, type: String)
    }

    // MARK: - Expressions

    mutating func translate(_ expression: TSLExpression) throws(TSLError) -> String {
        switch expression {
        case .and:
            return try translateChain(expression, keyword: "AND")
        case .or:
            return try translateChain(expression, keyword: "OR")
        case .not(let operand):
            return "(NOT \(try translate(operand)))"
        case .compare(let path, let op, let value):
            return try translateCompare(resolve(path), path, op, value)
        case .like(let path, let pattern, let caseInsensitive, let negated):
            return try translateLike(resolve(path), path, pattern, caseInsensitive ? "ILIKE" : "LIKE", negated)
        case .inList(let path, let values, let negated):
            return try translateIn(resolve(path), path, values, negated)
        case .between(let path, let low, let high, let negated):
            return try translateBetween(resolve(path), path, low, high, negated)
        case .isNull(let path, let negated):
            return translateIsNull(try resolve(path), negated)
        }
    }

    /// Flattens a left-leaning chain (`a and b and c`) iteratively: flatter SQL, shallower recursion.
    private mutating func translateChain(_ expression: TSLExpression, keyword: String) throws(TSLError) -> String {
        var operands: [TSLExpression] = []
        var node = expression
        while true {
            switch (node, keyword) {
            case (.and(let left, let right), "AND"), (.or(let left, let right), "OR"):
                operands.append(right)
                node = left
                continue
            default:
                operands.append(node)
            }
            break
        }
        var parts: [String] = []
        for operand in operands.reversed() { parts.append(try translate(operand)) }
        return "(" + parts.joined(separator: " \(keyword) ") + ")"
    }

    // MARK: - Operators

    private mutating func translateCompare(
        _ field: ResolvedField, _ path: TSLFieldPath, _ op: TSLComparisonOperator, _ value: TSLLiteral
    ) throws(TSLError) -> String {
        switch field {
        case .fixed(let fixed):
            return "(\(fixed.sql) \(op.rawValue) \(try bindValue(value, for: fixed)))"
        case .label(let column, let key):
            let text = try labelValue(value, path)
            if op == .equal {
                // Containment against one bound jsonb constant: a GIN index on the labels column serves
                // it, and PostgreSQL does not rebuild the object per row as it would jsonb_build_object.
                return "(\(column) @> \(bind(JSONText.object([(key, text)]), cast: "::jsonb")))"
            }
            return "(\(labelText(column, key)) \(op.rawValue) \(bind(text)))"
        case .condition(let column, let type):
            let status = try conditionValue(value, path)
            switch op {
            case .equal:
                return "(\(column) @> \(bind("[" + JSONText.object([("type", type), ("status", status)]) + "]", cast: "::jsonb")))"
            case .notEqual:
                return "(\(conditionStatus(column, type)) <> \(bind(status)))"
            default:
                throw conditionOperatorError(path)
            }
        }
    }

    private mutating func translateLike(
        _ field: ResolvedField, _ path: TSLFieldPath, _ pattern: String, _ keyword: String, _ negated: Bool
    ) throws(TSLError) -> String {
        let op = negated ? "NOT \(keyword)" : keyword
        switch field {
        case .fixed(let fixed):
            guard fixed.type == .text else {
                throw .about(fixed.name, "'\(keyword.lowercased())' needs a text field, but '\(fixed.name)' is \(fixed.type.article)")
            }
            return "(\(fixed.sql) \(op) \(bind(pattern)))"
        case .label(let column, let key):
            return "(\(labelText(column, key)) \(op) \(bind(pattern)))"
        case .condition:
            throw conditionOperatorError(path)
        }
    }

    private mutating func translateIn(
        _ field: ResolvedField, _ path: TSLFieldPath, _ values: [TSLLiteral], _ negated: Bool
    ) throws(TSLError) -> String {
        let op = negated ? "NOT IN" : "IN"
        var placeholders: [String] = []
        switch field {
        case .fixed(let fixed):
            for value in values { placeholders.append(try bindValue(value, for: fixed)) }
            return "(\(fixed.sql) \(op) (\(placeholders.joined(separator: ", "))))"
        case .label(let column, let key):
            let left = labelText(column, key)
            for value in values { placeholders.append(bind(try labelValue(value, path))) }
            return "(\(left) \(op) (\(placeholders.joined(separator: ", "))))"
        case .condition(let column, let type):
            let left = conditionStatus(column, type)
            for value in values { placeholders.append(bind(try conditionValue(value, path))) }
            return "(\(left) \(op) (\(placeholders.joined(separator: ", "))))"
        }
    }

    private mutating func translateBetween(
        _ field: ResolvedField, _ path: TSLFieldPath, _ low: TSLLiteral, _ high: TSLLiteral, _ negated: Bool
    ) throws(TSLError) -> String {
        let op = negated ? "NOT BETWEEN" : "BETWEEN"
        switch field {
        case .fixed(let fixed):
            return "(\(fixed.sql) \(op) \(try bindValue(low, for: fixed)) AND \(try bindValue(high, for: fixed)))"
        case .label(let column, let key):
            let left = labelText(column, key)
            return "(\(left) \(op) \(bind(try labelValue(low, path))) AND \(bind(try labelValue(high, path))))"
        case .condition:
            throw conditionOperatorError(path)
        }
    }

    private mutating func translateIsNull(_ field: ResolvedField, _ negated: Bool) -> String {
        switch field {
        case .fixed(let fixed):
            return "(\(fixed.sql) IS \(negated ? "NOT " : "")NULL)"
        case .label(let column, let key):
            let exists = "jsonb_exists(\(column), \(bind(key, cast: "::text")))"
            return negated ? "(\(exists))" : "(NOT \(exists))"
        case .condition(let column, let type):
            let exists = "\(column) @> \(bind("[" + JSONText.object([("type", type)]) + "]", cast: "::jsonb"))"
            return negated ? "(\(exists))" : "(NOT (\(exists)))"
        }
    }

    // MARK: - Fields

    private func resolve(_ path: TSLFieldPath) throws(TSLError) -> ResolvedField {
        switch path {
        case .named(let name):
            if let field = catalog.field(named: name) { return .fixed(field) }
        case .label(let key):
            if let column = catalog.labelsColumn { return .label(column: column, key: key) }
        case .condition(let type):
            if let column = catalog.conditionsColumn { return .condition(column: column, type: type) }
        }
        let allowed = catalog.allowedFieldNames.joined(separator: ", ")
        throw .about(path.description, "unknown field '\(path)'; allowed fields: \(allowed)")
    }

    /// `(<labels> ->> $k::text)`: the label's value as text, NULL when absent.
    private mutating func labelText(_ column: String, _ key: String) -> String {
        "(\(column) ->> \(bind(key, cast: "::text")))"
    }

    /// The status of the first condition of `type`, NULL when there is none.
    private mutating func conditionStatus(_ column: String, _ type: String) -> String {
        "(SELECT c ->> 'status' FROM jsonb_array_elements(\(column)) AS c WHERE c ->> 'type' = \(bind(type, cast: "::text")) LIMIT 1)"
    }

    private func conditionOperatorError(_ path: TSLFieldPath) -> TSLError {
        .about(path.description, "field '\(path)' supports only =, !=, in, not in, is null and is not null")
    }

    // MARK: - Values

    /// Appends a binding and returns its placeholder, e.g. `$3::bigint`.
    private mutating func bind(_ value: String, cast: String = "") -> String {
        bindings.append(value)
        defer { nextPlaceholder += 1 }
        return "$\(nextPlaceholder)\(cast)"
    }

    /// Checks `value` against a fixed field's type and binds it with the matching cast.
    private mutating func bindValue(_ value: TSLLiteral, for field: TSLField) throws(TSLError) -> String {
        switch (field.type, value) {
        case (.text, .string(let text)):
            return bind(text)
        case (.integer, .number(let text)):
            guard let integer = Int64(text) else {
                throw .about(field.name, "field '\(field.name)' expects a 64-bit integer, got \(value)")
            }
            return bind(String(integer), cast: "::bigint")
        case (.timestamp, .string(let text)):
            if let problem = RFC3339.problem(text) {
                throw .about(field.name, "field '\(field.name)' expects an RFC 3339 timestamp such as '2024-01-02T03:04:05Z', got \(value): \(problem)")
            }
            return bind(text, cast: "::timestamptz")
        case (.boolean, .boolean(let flag)):
            return bind(flag ? "true" : "false", cast: "::boolean")
        default:
            throw .about(field.name, "field '\(field.name)' is \(field.type.article) field and cannot be compared with \(value)")
        }
    }

    private func labelValue(_ value: TSLLiteral, _ path: TSLFieldPath) throws(TSLError) -> String {
        guard case .string(let text) = value else {
            throw .about(path.description, "label values are text: compare '\(path)' with a quoted string, not \(value)")
        }
        return text
    }

    private func conditionValue(_ value: TSLLiteral, _ path: TSLFieldPath) throws(TSLError) -> String {
        guard case .string(let text) = value, TSLNameRules.conditionStatuses.contains(text) else {
            throw .about(path.description, "condition '\(path)' can only be compared with 'True', 'False' or 'Unknown', got \(value)")
        }
        return text
    }
}

extension TSLValueType {
    /// "a text", "an integer", ... for messages.
    var article: String {
        switch self {
        case .text: "a text"
        case .integer: "an integer"
        case .timestamp: "a timestamp"
        case .boolean: "a boolean"
        }
    }
}
