import Testing
import TSL

/// Catalog shared by the tests; its SQL matches the table created in `TestDatabase`.
enum Fixtures {
    static let catalog = TSLCatalog(
        fields: [
            TSLField(name: "id", sql: "id", type: .integer),
            TSLField(name: "name", sql: "name", type: .text),
            TSLField(name: "spec.kind", sql: "kind", type: .text),
            TSLField(name: "generation", sql: "generation", type: .integer),
            TSLField(name: "created_time", sql: "created_time", type: .timestamp),
            TSLField(name: "ready", sql: "ready", type: .boolean),
        ],
        labelsColumn: "labels",
        conditionsColumn: "conditions"
    )

    /// Same fixed fields, no dynamic families.
    static let plainCatalog = TSLCatalog(fields: catalog.fields, labelsColumn: nil, conditionsColumn: nil)

    static let orderFields = [
        OrderField(name: "created_time", sql: "created_time"),
        OrderField(name: "name", sql: "name"),
        OrderField(name: "generation", sql: "generation"),
        OrderField(name: "id", sql: "id"),
    ]

    /// Compiles with placeholders from $1, failing the test with the message on error.
    static func compile(_ text: String, firstPlaceholder: Int = 1) throws -> SQLFragment {
        try TSL.compile(text, catalog: catalog, firstPlaceholder: firstPlaceholder)
    }

    /// The TSLError thrown by `body`, or nil if it did not throw (any other error fails the test).
    static func error(_ body: () throws -> Void) -> TSLError? {
        do {
            try body()
            return nil
        } catch let error as TSLError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    /// The error from compiling `text` against the full catalog.
    static func compileError(_ text: String) -> TSLError? {
        error { _ = try TSL.compile(text, catalog: catalog, firstPlaceholder: 1) }
    }
}
