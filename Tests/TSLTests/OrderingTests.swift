import Testing
import TSL

@Suite struct OrderingTests {
    private func clause(_ orderBy: String?, _ order: String? = nil) throws -> String {
        try ListOrdering.orderByClause(orderBy: orderBy, order: order, allowed: Fixtures.orderFields, idSQL: "id")
    }

    private func orderingError(_ orderBy: String?, _ order: String? = nil) throws -> TSLError {
        try #require(Fixtures.error { _ = try clause(orderBy, order) }, "expected an error for orderBy=\(orderBy ?? "nil") order=\(order ?? "nil")")
    }

    @Test func defaults() throws {
        #expect(try clause(nil) == "created_time DESC, id DESC")
        #expect(try clause("") == "created_time DESC, id DESC")
        #expect(try clause("  ", "asc") == "created_time ASC, id ASC")
    }

    @Test func directions() throws {
        #expect(try clause("name", "asc") == "name ASC, id ASC")
        #expect(try clause("name", "DESC") == "name DESC, id DESC")
        #expect(try clause("name asc, created_time") == "name ASC, created_time DESC, id DESC")
        #expect(try clause("name desc,generation ASC", "desc") == "name DESC, generation ASC, id ASC")
        #expect(try clause(" generation  desc ", "asc") == "generation DESC, id DESC")
    }

    @Test func idIsNotRepeated() throws {
        #expect(try clause("id asc") == "id ASC")
        #expect(try clause("id, name asc") == "id DESC, name ASC")
    }

    @Test(arguments: [
        ("colour", nil, "unknown orderBy field 'colour'", "colour"),
        ("Name", nil, "unknown orderBy field 'Name'", "Name"),
        ("name, name desc", nil, "more than once", "name"),
        ("name,", nil, "empty item", nil),
        (",name", nil, "empty item", nil),
        ("name sideways", nil, "invalid sort direction 'sideways'", "name"),
        ("name asc desc", nil, "should be 'field [asc|desc]'", "name"),
        ("name", "up", "invalid sort direction 'up' for order", nil),
    ] as [(String, String?, String, String?)])
    func rejectsBadInput(orderBy: String, order: String?, fragment: String, field: String?) throws {
        let error = try orderingError(orderBy, order)
        #expect(error.message.contains(fragment), "\(error.message)")
        #expect(error.field == field)
    }

    @Test func unknownFieldListsAllowed() throws {
        let error = try orderingError("colour")
        #expect(error.message == "unknown orderBy field 'colour'; allowed fields: created_time, name, generation, id")
    }
}
