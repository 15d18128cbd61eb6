/// Column names of a result and a name -> position index shared by all its rows.
struct ColumnLayout: Sendable {
    let names: [String]
    let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        // First occurrence wins when a query returns duplicate column names.
        self.positions = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A column of one result, looked up by name once (`PostgresResult.column(_:)`): decoding thousands
/// of rows through it reads by name without a dictionary lookup per value.
public struct PostgresColumn: Sendable {
    /// The column's name in the result.
    public let name: String
    let index: Int
}

/// One row of a result, with values in PostgreSQL text format.
public struct PostgresRow: Sendable {
    let layout: ColumnLayout
    let values: [String?]

    /// Text value; nil for NULL or absent column.
    public subscript(_ column: String) -> String? {
        guard let index = layout.positions[column] else { return nil }
        return values[index]
    }

    /// Text value of a column of this row's result; nil for NULL (or a column of a wider result).
    public subscript(_ column: PostgresColumn) -> String? {
        values.indices.contains(column.index) ? values[column.index] : nil
    }

    /// Text value by position; nil for NULL or an out-of-range index.
    public subscript(_ index: Int) -> String? {
        values.indices.contains(index) ? values[index] : nil
    }

    /// Non-NULL text; throws `.decoding` naming the column if NULL or absent.
    public func text(_ column: String) throws -> String {
        try text(try layout.column(column))
    }

    /// Non-NULL text; throws `.decoding` naming the column if NULL.
    public func text(_ column: PostgresColumn) throws -> String {
        guard let value = self[column] else { throw layout.decodingError(column.name, "is NULL") }
        return value
    }

    /// Non-NULL integer (int2/int4/int8).
    public func int(_ column: String) throws -> Int64 {
        try int(try layout.column(column))
    }

    /// Non-NULL integer (int2/int4/int8).
    public func int(_ column: PostgresColumn) throws -> Int64 {
        try parseInt(try text(column), column.name)
    }

    /// Integer or nil for NULL; throws if the column is absent or not an integer.
    public func optionalInt(_ column: String) throws -> Int64? {
        try optionalInt(try layout.column(column))
    }

    /// Integer or nil for NULL; throws if the value is not an integer.
    public func optionalInt(_ column: PostgresColumn) throws -> Int64? {
        guard let value = self[column] else { return nil }
        return try parseInt(value, column.name)
    }

    /// Non-NULL boolean in PostgreSQL text form ('t'/'f').
    public func bool(_ column: String) throws -> Bool {
        switch try text(column) {
        case "t", "true": return true
        case "f", "false": return false
        case let other: throw layout.decodingError(column, "has value '\(other)', expected a boolean ('t'/'f')")
        }
    }

    private func parseInt(_ value: String, _ column: String) throws -> Int64 {
        guard let number = Int64(value) else {
            throw layout.decodingError(column, "has value '\(value.prefix(40))', expected an integer")
        }
        return number
    }
}

extension ColumnLayout {
    /// The column called `name`; throws `.decoding` naming it and the result's columns when absent.
    func column(_ name: String) throws -> PostgresColumn {
        guard let index = positions[name] else {
            throw decodingError(name, "is not in the result (columns: \(names.joined(separator: ", ")))")
        }
        return PostgresColumn(name: name, index: index)
    }

    func decodingError(_ column: String, _ problem: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "column \"\(column)\" \(problem)")
    }
}

/// The rows of one statement plus its affected-row count.
public struct PostgresResult: Sendable, RandomAccessCollection {
    let layout: ColumnLayout
    let rowValues: [[String?]]
    /// Rows inserted/updated/deleted/returned as reported by the server (PQcmdTuples); 0 if not applicable.
    public var affectedRows: Int

    init(layout: ColumnLayout, rowValues: [[String?]], affectedRows: Int) {
        self.layout = layout
        self.rowValues = rowValues
        self.affectedRows = affectedRows
    }

    /// Result column names in order.
    public var columns: [String] { layout.names }

    /// The column called `name`, to decode every row by it; throws `.decoding` naming it when absent.
    public func column(_ name: String) throws -> PostgresColumn {
        try layout.column(name)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { rowValues.count }
    public subscript(position: Int) -> PostgresRow {
        PostgresRow(layout: layout, values: rowValues[position])
    }

    static let empty = PostgresResult(layout: ColumnLayout(names: []), rowValues: [], affectedRows: 0)
}
