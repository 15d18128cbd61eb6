/// Recursive-descent parser. Precedence, tightest first: parentheses, comparison, `not`, `and`, `or`.
struct TSLParser {
    static let maxInputLength = 4096
    static let maxDepth = 64
    static let maxInValues = 1000

    private let tokens: [TSLToken]
    private var index = 0
    private var depth = 0

    private init(tokens: [TSLToken]) {
        self.tokens = tokens
    }

    /// Parses a complete expression; trailing tokens are an error.
    static func parse(_ text: String) throws(TSLError) -> TSLExpression {
        // prefix() stops counting early, so a huge input is rejected cheaply.
        if text.prefix(maxInputLength + 1).count > maxInputLength {
            throw TSLError(message: "search expression is longer than \(maxInputLength) characters")
        }
        var parser = TSLParser(tokens: try TSLLexer.tokenize(text))
        if parser.current.kind == .end {
            throw .at(1, "search expression is empty")
        }
        let expression = try parser.parseOr()
        if parser.current.kind != .end {
            throw .at(parser.current.position, "unexpected '\(parser.current.text)', expected 'and', 'or' or end of input")
        }
        return expression
    }

    // MARK: - Token access

    private var current: TSLToken { tokens[index] }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    /// Whether the current token is the keyword `keyword` (case-insensitive).
    private func isKeyword(_ keyword: String) -> Bool {
        if case .word(let word) = current.kind { return word.lowercased() == keyword }
        return false
    }

    private mutating func acceptKeyword(_ keyword: String) -> Bool {
        guard isKeyword(keyword) else { return false }
        advance()
        return true
    }

    /// Describes the current token for "expected X" messages.
    private var found: String {
        current.kind == .end ? "end of input" : "'\(current.text)'"
    }

    private mutating func enterNesting() throws(TSLError) {
        depth += 1
        if depth > Self.maxDepth { throw .at(current.position, "expression nested deeper than \(Self.maxDepth) levels") }
    }

    // MARK: - Grammar

    private mutating func parseOr() throws(TSLError) -> TSLExpression {
        var left = try parseAnd()
        while acceptKeyword("or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(TSLError) -> TSLExpression {
        var left = try parseNot()
        while acceptKeyword("and") { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(TSLError) -> TSLExpression {
        guard isKeyword("not") else { return try parsePrimary() }
        try enterNesting()
        advance()
        let operand = try parseNot()
        depth -= 1
        return .not(operand)
    }

    private mutating func parsePrimary() throws(TSLError) -> TSLExpression {
        guard current.kind == .leftParen else { return try parseComparison() }
        let open = current.position
        try enterNesting()
        advance()
        if current.kind == .rightParen { throw .at(open, "empty parentheses") }
        let inner = try parseOr()
        guard current.kind == .rightParen else {
            throw .at(current.position, "expected ')' to close '(' at position \(open), found \(found)")
        }
        advance()
        depth -= 1
        return inner
    }

    private mutating func parseComparison() throws(TSLError) -> TSLExpression {
        let field = try parseField()
        let fieldName = field.description
        if case .comparison(let op) = current.kind {
            advance()
            return .compare(field, op, try parseValue(after: "'\(op.rawValue)'", field: fieldName))
        }
        let negated = acceptKeyword("not")
        if acceptKeyword("like") { return .like(field, pattern: try parsePattern("like"), caseInsensitive: false, negated: negated) }
        if acceptKeyword("ilike") { return .like(field, pattern: try parsePattern("ilike"), caseInsensitive: true, negated: negated) }
        if acceptKeyword("in") { return .inList(field, try parseValueList(field: fieldName), negated: negated) }
        if acceptKeyword("between") {
            let low = try parseValue(after: "'between'", field: fieldName)
            guard acceptKeyword("and") else { throw .at(current.position, "expected 'and' in 'between', found \(found)") }
            let high = try parseValue(after: "'between ... and'", field: fieldName)
            return .between(field, low, high, negated: negated)
        }
        if negated { throw .at(current.position, "expected 'like', 'ilike', 'in' or 'between' after 'not', found \(found)") }
        if acceptKeyword("is") {
            let isNot = acceptKeyword("not")
            guard acceptKeyword("null") else { throw .at(current.position, "expected 'null' after 'is', found \(found)") }
            return .isNull(field, negated: isNot)
        }
        throw .at(current.position, "expected an operator after field '\(fieldName)', found \(found)", field: fieldName)
    }

    private static let keywords: Set<String> = ["and", "or", "not", "like", "ilike", "in", "between", "is", "null", "true", "false"]

    private mutating func parseField() throws(TSLError) -> TSLFieldPath {
        let token = current
        switch token.kind {
        case .labelField(let key):
            advance()
            if let problem = TSLNameRules.labelKeyProblem(key) {
                throw .at(token.position, "invalid label key '\(key)': \(problem)", field: "labels.\(key)")
            }
            return .label(key: key)
        case .word(let word) where !Self.keywords.contains(word.lowercased()):
            advance()
            let conditionsPrefix = "status.conditions."
            guard word.hasPrefix(conditionsPrefix) else { return .named(word) }
            let type = String(word.dropFirst(conditionsPrefix.count))
            guard TSLNameRules.isConditionType(type) else {
                throw .at(token.position, "invalid condition type '\(type)': expected a letter followed by letters or digits", field: word)
            }
            return .condition(type: type)
        default:
            throw .at(token.position, "expected a field name, found \(found)")
        }
    }

    private mutating func parseValue(after what: String, field: String) throws(TSLError) -> TSLLiteral {
        let token = current
        switch token.kind {
        case .string(let text): advance(); return .string(text)
        case .number(let text): advance(); return .number(text)
        case .word(let word) where word.lowercased() == "true": advance(); return .boolean(true)
        case .word(let word) where word.lowercased() == "false": advance(); return .boolean(false)
        case .word(let word) where word.lowercased() == "null":
            throw .at(token.position, "use 'is null' or 'is not null' to test for null", field: field)
        case .end:
            throw .at(token.position, "missing right operand after \(what)", field: field)
        default:
            throw .at(token.position, "expected a value (quoted string, number, true or false) after \(what), found \(found)", field: field)
        }
    }

    private mutating func parsePattern(_ keyword: String) throws(TSLError) -> String {
        guard case .string(let pattern) = current.kind else {
            throw .at(current.position, "expected a quoted pattern after '\(keyword)', found \(found)")
        }
        advance()
        return pattern
    }

    private mutating func parseValueList(field: String) throws(TSLError) -> [TSLLiteral] {
        guard current.kind == .leftParen else { throw .at(current.position, "expected '(' after 'in', found \(found)") }
        let open = current.position
        advance()
        if current.kind == .rightParen { throw .at(open, "empty 'in' list") }
        var values: [TSLLiteral] = []
        while true {
            if values.count == Self.maxInValues {
                throw .at(current.position, "too many values in 'in' list (at most \(Self.maxInValues))", field: field)
            }
            values.append(try parseValue(after: values.isEmpty ? "'in ('" : "','", field: field))
            if current.kind == .comma { advance(); continue }
            guard current.kind == .rightParen else {
                throw .at(current.position, "expected ',' or ')' in 'in' list, found \(found)")
            }
            advance()
            return values
        }
    }
}
