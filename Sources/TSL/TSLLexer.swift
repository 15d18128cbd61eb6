/// One lexical token with its 1-based position and source text (for messages).
struct TSLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// An identifier or keyword; keywords are recognised by the parser, case-insensitively.
        case word(String)
        /// `labels.<key>` (bare or quoted key), key not yet validated.
        case labelField(key: String)
        case string(String)
        case number(String)
        case comparison(TSLComparisonOperator)
        case leftParen
        case rightParen
        case comma
        case end
    }

    var kind: Kind
    var position: Int
    var text: String
}

/// Splits TSL text into tokens. Works on Characters so positions match what a user sees.
struct TSLLexer {
    private let characters: [Character]
    private var index = 0

    /// Prefix that switches the lexer into label-key mode.
    static let labelsPrefix = "labels."

    init(_ text: String) {
        characters = Array(text)
    }

    /// Tokenises the whole input; the last token is always `.end`.
    static func tokenize(_ text: String) throws(TSLError) -> [TSLToken] {
        var lexer = TSLLexer(text)
        var tokens: [TSLToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var position: Int { index + 1 }
    private var current: Character? { index < characters.count ? characters[index] : nil }

    private func peek(_ offset: Int) -> Character? {
        index + offset < characters.count ? characters[index + offset] : nil
    }

    private mutating func next() throws(TSLError) -> TSLToken {
        while let character = current, character.isWhitespace { index += 1 }
        let start = index
        guard let character = current else {
            return TSLToken(kind: .end, position: position, text: "end of input")
        }
        let kind: TSLToken.Kind
        switch character {
        case "(": index += 1; kind = .leftParen
        case ")": index += 1; kind = .rightParen
        case ",": index += 1; kind = .comma
        case "=": index += 1; kind = .comparison(.equal)
        case "!":
            guard peek(1) == "=" else { throw .at(position, "unexpected character '!' (did you mean '!=')") }
            index += 2; kind = .comparison(.notEqual)
        case "<":
            if peek(1) == "=" { index += 2; kind = .comparison(.lessOrEqual) }
            else if peek(1) == ">" { index += 2; kind = .comparison(.notEqual) }
            else { index += 1; kind = .comparison(.less) }
        case ">":
            if peek(1) == "=" { index += 2; kind = .comparison(.greaterOrEqual) }
            else { index += 1; kind = .comparison(.greater) }
        case "'":
            kind = .string(try readQuoted())
        case "-" where peek(1)?.isASCIIDigit == true, _ where character.isASCIIDigit:
            kind = .number(try readNumber())
        case _ where character.isWordStart:
            kind = try readWordOrLabel()
        default:
            throw .at(position, "unexpected character '\(character)'")
        }
        return TSLToken(kind: kind, position: start + 1, text: String(characters[start..<index]))
    }

    /// Reads `'...'` with `''` as an escaped quote; the cursor is on the opening quote.
    private mutating func readQuoted() throws(TSLError) -> String {
        let start = position
        index += 1
        var value = ""
        while let character = current {
            index += 1
            if character == "'" {
                guard current == "'" else { return value }
                index += 1
                value.append("'")
            } else if character == "\u{0}" {
                // PostgreSQL text cannot hold NUL; reject here rather than fail in the database.
                throw .at(position - 1, "string contains a NUL character")
            } else {
                value.append(character)
            }
        }
        throw .at(start, "unterminated string starting")
    }

    /// Reads `-?digits(.digits)?`; a letter glued to the number is an error, not two tokens.
    private mutating func readNumber() throws(TSLError) -> String {
        let start = index
        if current == "-" { index += 1 }
        while current?.isASCIIDigit == true { index += 1 }
        if current == ".", peek(1)?.isASCIIDigit == true {
            index += 1
            while current?.isASCIIDigit == true { index += 1 }
        }
        if let next = current, next.isWordPart || next == "." {
            while let part = current, part.isWordPart || part == "." { index += 1 }
            throw .at(start + 1, "invalid number '\(String(characters[start..<index]))'")
        }
        return String(characters[start..<index])
    }

    /// Reads an identifier; `labels.` switches to label-key characters (`-`, `/` allowed) or a quoted key.
    private mutating func readWordOrLabel() throws(TSLError) -> TSLToken.Kind {
        let start = index
        while let character = current, character.isWordPart || character == "." { index += 1 }
        let word = String(characters[start..<index])
        guard word.hasPrefix(Self.labelsPrefix) else { return .word(word) }
        if word == Self.labelsPrefix, current == "'" {
            return .labelField(key: try readQuoted())
        }
        while let character = current, character.isLabelKeyPart { index += 1 }
        let key = String(characters[(start + Self.labelsPrefix.count)..<index])
        return .labelField(key: key)
    }
}

extension Character {
    // asciiValue (not range checks on Character) so combining marks never pass as ASCII.
    private var asciiByte: UInt8? { self == "\r\n" ? nil : asciiValue }
    var isASCIIDigit: Bool { asciiByte.map { (48...57).contains($0) } ?? false }
    var isASCIILowercaseLetter: Bool { asciiByte.map { (97...122).contains($0) } ?? false }
    var isASCIILetter: Bool { isASCIILowercaseLetter || (asciiByte.map { (65...90).contains($0) } ?? false) }
    var isASCIIAlphanumeric: Bool { isASCIILetter || isASCIIDigit }
    var isWordStart: Bool { isASCIILetter || self == "_" }
    var isWordPart: Bool { isASCIIAlphanumeric || self == "_" }
    var isLabelKeyPart: Bool { isASCIIAlphanumeric || self == "_" || self == "." || self == "-" || self == "/" }
}
