/// A field a list may be ordered by: the name clients use and its trusted SQL.
public struct OrderField: Sendable, Equatable {
    /// The name accepted in `orderBy`, e.g. `created_time`.
    public var name: String
    /// Trusted SQL for the column or expression.
    public var sql: String

    /// Creates an order field.
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// Builds ORDER BY clauses for list endpoints from the `orderBy` and `order` query parameters.
public enum ListOrdering {
    /// The field used when `orderBy` is absent or blank.
    public static let defaultOrderBy = "created_time"

    /// orderBy: comma-separated `field [asc|desc]`; order: `asc`|`desc` applied to fields given without a
    /// direction (default desc). Default orderBy `created_time`. Unknown field, bad direction, empty item,
    /// duplicate field -> TSLError naming it and listing the allowed fields. Result always ends with the
    /// tie-break `idSQL ASC/DESC` (same direction as the last key) unless id is already in it.
    public static func orderByClause(orderBy: String?, order: String?, allowed: [OrderField], idSQL: String) throws(TSLError) -> String {
        let allowedList = allowed.map(\.name).joined(separator: ", ")
        let defaultDirection = try parseDirection(order ?? "desc", parameter: "order", field: nil) ?? "DESC"
        let spec = orderBy.map(trimmed) ?? ""
        let items = spec.isEmpty ? [defaultOrderBy] : spec.split(separator: ",", omittingEmptySubsequences: false).map { trimmed(String($0)) }

        var keys: [String] = []
        var usedNames: Set<String> = []
        var lastDirection = defaultDirection
        var includesID = false
        for item in items {
            let words = item.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let name = words.first else {
                throw TSLError(message: "orderBy contains an empty item; allowed fields: \(allowedList)")
            }
            guard words.count <= 2 else {
                throw TSLError(message: "orderBy item '\(item)' should be 'field [asc|desc]'", field: name)
            }
            guard let field = allowed.first(where: { $0.name == name }) else {
                throw TSLError(message: "unknown orderBy field '\(name)'; allowed fields: \(allowedList)", field: name)
            }
            guard usedNames.insert(name).inserted else {
                throw TSLError(message: "orderBy field '\(name)' is given more than once; allowed fields: \(allowedList)", field: name)
            }
            let direction = words.count == 2 ? try parseDirection(words[1], parameter: "orderBy field '\(name)'", field: name) : nil
            lastDirection = direction ?? defaultDirection
            includesID = includesID || field.sql == idSQL
            keys.append("\(field.sql) \(lastDirection)")
        }
        // A unique tie-break makes paging stable when sort keys repeat.
        if !includesID { keys.append("\(idSQL) \(lastDirection)") }
        return keys.joined(separator: ", ")
    }

    /// "ASC"/"DESC" for a case-insensitive `asc`/`desc`; blank gives nil (use the default).
    private static func parseDirection(_ text: String, parameter: String, field: String?) throws(TSLError) -> String? {
        switch trimmed(text).lowercased() {
        case "": return nil
        case "asc": return "ASC"
        case "desc": return "DESC"
        default: throw TSLError(message: "invalid sort direction '\(text)' for \(parameter); use 'asc' or 'desc'", field: field)
        }
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
