/// The value type of a catalog field, which decides accepted literals and the placeholder cast.
public enum TSLValueType: Sendable, Equatable {
    /// Compared as text; accepts quoted strings; allows `like`/`ilike`.
    case text
    /// Compared as `bigint`; accepts integer literals only.
    case integer
    /// Compared as `timestamptz`; accepts RFC 3339 strings only.
    case timestamp
    /// Compared as `boolean`; accepts `true`/`false` only.
    case boolean
}

/// A searchable field: the name users write and the trusted SQL expression it maps to.
public struct TSLField: Sendable, Equatable {
    /// The name used in search expressions, e.g. `generation` or `status.phase`.
    public var name: String
    /// Trusted SQL for the column or expression (written by the programmer, never by users).
    public var sql: String
    /// The type that decides which literals and operators are valid.
    public var type: TSLValueType

    /// Creates a field mapping.
    public init(name: String, sql: String, type: TSLValueType) {
        self.name = name
        self.sql = sql
        self.type = type
    }
}

/// The set of fields a search may reference, plus optional dynamic label and condition families.
public struct TSLCatalog: Sendable {
    /// Fixed fields in declaration order (the order used in error messages).
    public var fields: [TSLField]
    /// Trusted SQL of a jsonb object column (string -> string) enabling `labels.<key>`, or nil.
    public var labelsColumn: String?
    /// Trusted SQL of a jsonb array column of `{type, status}` objects enabling `status.conditions.<Type>`, or nil.
    public var conditionsColumn: String?

    /// Creates a catalog.
    public init(fields: [TSLField], labelsColumn: String?, conditionsColumn: String?) {
        self.fields = fields
        self.labelsColumn = labelsColumn
        self.conditionsColumn = conditionsColumn
    }

    /// All field names a user may write, for error messages.
    public var allowedFieldNames: [String] {
        var names = fields.map(\.name)
        if labelsColumn != nil { names.append("labels.<key>") }
        if conditionsColumn != nil { names.append("status.conditions.<Type>") }
        return names
    }

    /// The fixed field with this exact (case-sensitive) name.
    func field(named name: String) -> TSLField? {
        fields.first { $0.name == name }
    }
}

/// A piece of SQL with `$n` placeholders and the text values bound to them, in order.
public struct SQLFragment: Sendable, Equatable {
    /// SQL text; contains only catalog SQL, operators and placeholders.
    public var sql: String
    /// Values for the placeholders, first element for the first placeholder used.
    public var bindings: [String?]

    /// Creates a fragment.
    public init(sql: String, bindings: [String?]) {
        self.sql = sql
        self.bindings = bindings
    }
}
