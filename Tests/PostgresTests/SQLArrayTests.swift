import Postgres
import Testing

@Suite("Array parameters")
struct SQLArrayTests {
    /// Every value comes back from PostgreSQL exactly as sent, quotes, backslashes, commas, braces,
    /// non-ASCII and NULL included.
    @Test func literalsRoundTripThroughPostgreSQL() async throws {
        try await withPool { pool, _ in
            let values: [String?] = ["plain", #"quo"te"#, #"back\slash"#, "comma,brace{}", "", "NULL", "ünï ☃", nil, " spaced "]
            let rows = try await pool.query(
                "SELECT v, ord FROM unnest($1::text[]) WITH ORDINALITY AS t(v, ord) ORDER BY ord", [SQLArray.literal(values)])
            #expect(rows.map { $0["v"] } == values)
        }
    }
}
