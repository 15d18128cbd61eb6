/// A JSON value found in a token's payload.
public enum ClaimValue: Sendable, Equatable, Codable {
    /// A JSON string.
    case string(String)
    /// A JSON number (exact up to 2^53, enough for NumericDate).
    case number(Double)
    /// A JSON boolean.
    case bool(Bool)
    /// A JSON array.
    case array([ClaimValue])
    /// A JSON object.
    case object([String: ClaimValue])
    /// JSON `null`.
    case null

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ClaimValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ClaimValue].self))
        }
    }

    /// Encodes the value back to JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// A claim a principal must carry, e.g. `scope` containing `hyperfleet:write`.
public struct ClaimRequirement: Sendable, Equatable {
    /// Claim name in the token payload.
    public var claim: String
    /// Value that must be present in the claim.
    public var value: String

    /// Creates a requirement that `claim` contains `value`.
    public init(claim: String, value: String) {
        self.claim = claim
        self.value = value
    }

    /// True when `claimValue` is `value`, a space-separated list holding it (OAuth `scope`), or an array of strings holding it.
    func isSatisfied(by claimValue: ClaimValue?) -> Bool {
        switch claimValue {
        case .string(let text):
            return text == value || text.split(separator: " ").contains { $0 == value }
        case .array(let items):
            return items.contains(.string(value))
        default:
            return false
        }
    }
}
