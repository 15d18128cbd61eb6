import Postgres

/// Positional reads of one row, with errors that name the position: cheaper than by name when a
/// statement returns many rows (the look decodes thousands).
struct PositionalRow {
    let row: PostgresRow
    init(_ row: PostgresRow) { self.row = row }

    func text(_ index: Int) throws -> String {
        guard let value = row[index] else { throw PostgresError(kind: .decoding, message: "column \(index) is NULL") }
        return value
    }

    func int(_ index: Int) throws -> Int64 {
        guard let value = Int64(try text(index)) else { throw PostgresError(kind: .decoding, message: "column \(index) is not an integer") }
        return value
    }

    func optionalInt(_ index: Int) throws -> Int64? {
        guard row[index] != nil else { return nil }
        return try int(index)
    }
}
