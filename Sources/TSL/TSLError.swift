/// An error raised while parsing or compiling a search expression or an ordering.
public struct TSLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable explanation, already mentioning the position and/or field.
    public var message: String
    /// 1-based character offset into the input where the problem was found, when known.
    public var position: Int?
    /// The field the problem is about, when known.
    public var field: String?

    /// Creates an error; `message` should be a complete sentence fragment a user can act on.
    public init(message: String, position: Int? = nil, field: String? = nil) {
        self.message = message
        self.position = position
        self.field = field
    }

    /// The message, suitable for an API error response.
    public var description: String { message }

    /// An error located at a position; the position is appended to the message.
    static func at(_ position: Int, _ text: String, field: String? = nil) -> TSLError {
        TSLError(message: "\(text) at position \(position)", position: position, field: field)
    }

    /// An error about a field (compile-time checks, where the AST carries no position).
    static func about(_ field: String, _ text: String) -> TSLError {
        TSLError(message: text, position: nil, field: field)
    }
}
