/// What a search expression refers to on the left of a comparison.
public enum TSLFieldPath: Sendable, Equatable, CustomStringConvertible {
    /// A fixed catalog field, by name.
    case named(String)
    /// `labels.<key>` with an already validated Kubernetes label key.
    case label(key: String)
    /// `status.conditions.<Type>` with an already validated condition type.
    case condition(type: String)

    /// The field as a user would write it (label keys shown bare).
    public var description: String {
        switch self {
        case .named(let name): name
        case .label(let key): "labels.\(key)"
        case .condition(let type): "status.conditions.\(type)"
        }
    }
}

/// A literal value on the right of a comparison.
public enum TSLLiteral: Sendable, Equatable, CustomStringConvertible {
    /// A quoted string, with `''` already unescaped.
    case string(String)
    /// A number exactly as written (integer or decimal, optional leading `-`).
    case number(String)
    /// `true` or `false`.
    case boolean(Bool)

    /// The literal as it would be written in TSL.
    public var description: String {
        switch self {
        case .string(let text): "'" + text.replacingAll("'", with: "''") + "'"
        case .number(let text): text
        case .boolean(let value): value ? "true" : "false"
        }
    }
}

/// A binary comparison operator; the raw value is its SQL spelling (`!=` and `<>` both parse to `notEqual`).
public enum TSLComparisonOperator: String, Sendable, Equatable, CaseIterable {
    /// `=`
    case equal = "="
    /// `!=` or `<>`
    case notEqual = "<>"
    /// `<`
    case less = "<"
    /// `<=`
    case lessOrEqual = "<="
    /// `>`
    case greater = ">"
    /// `>=`
    case greaterOrEqual = ">="
}

/// The syntax tree of a search expression.
public indirect enum TSLExpression: Sendable, Equatable {
    /// `left and right`.
    case and(TSLExpression, TSLExpression)
    /// `left or right`.
    case or(TSLExpression, TSLExpression)
    /// `not operand`.
    case not(TSLExpression)
    /// `field <op> value`.
    case compare(TSLFieldPath, TSLComparisonOperator, TSLLiteral)
    /// `field [not] like|ilike 'pattern'`.
    case like(TSLFieldPath, pattern: String, caseInsensitive: Bool, negated: Bool)
    /// `field [not] in (v, ...)`.
    case inList(TSLFieldPath, [TSLLiteral], negated: Bool)
    /// `field [not] between low and high`.
    case between(TSLFieldPath, TSLLiteral, TSLLiteral, negated: Bool)
    /// `field is [not] null`.
    case isNull(TSLFieldPath, negated: Bool)
}

extension String {
    /// Replaces every occurrence of `target` (kept local to avoid needing Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        result.reserveCapacity(count)
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
