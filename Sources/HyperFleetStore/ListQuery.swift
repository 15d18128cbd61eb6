import HyperFleetModel
import TSL

/// Paging, ordering and filtering of a list request, checked before any SQL is built.
public struct ListQuery: Sendable, Equatable {
    public var page: Int
    public var pageSize: Int
    public var orderBy: String?
    public var order: String?
    public var search: String?

    public static let maximumPageSize = 1000

    public init(page: Int = 1, pageSize: Int = 20, orderBy: String? = nil, order: String? = nil, search: String? = nil) {
        self.page = page
        self.pageSize = pageSize
        self.orderBy = orderBy
        self.order = order
        self.search = search
    }

    /// Reads the list parameters from a query string's values; a bad value is `StoreError.invalid`
    /// naming the parameter.
    public init(parameter: (String) -> String?) throws(StoreError) {
        self.init()
        if let text = parameter("page") {
            guard let value = Int32(text), value >= 1 else {
                throw .invalid("must be an integer from 1 to \(Int32.max), got '\(text.prefix(40))'", field: "page")
            }
            page = Int(value)
        }
        if let text = parameter("pageSize") {
            guard let value = Int32(text).map(Int.init), (1...Self.maximumPageSize).contains(value) else {
                throw .invalid("must be an integer from 1 to \(Self.maximumPageSize), got '\(text.prefix(40))'", field: "pageSize")
            }
            pageSize = value
        }
        orderBy = parameter("orderBy")
        order = parameter("order")
        if let order, order != "asc", order != "desc" {
            throw .invalid("must be 'asc' or 'desc', got '\(order.prefix(40))'", field: "order")
        }
        if let search = parameter("search"), !search.trimmingCharacters(in: .whitespaces).isEmpty {
            self.search = search
        }
    }

    /// The ORDER BY clause and the search filter of this query for one table's fields.
    func clauses(orderFields: [OrderField], idSQL: String, catalog: TSLCatalog) throws(StoreError) -> (ordering: String, filter: SQLFragment) {
        let ordering: String
        do {
            ordering = try ListOrdering.orderByClause(orderBy: orderBy, order: order, allowed: orderFields, idSQL: idSQL)
        } catch {
            throw .invalid(error.description, field: "orderBy")
        }
        guard let search else { return (ordering, SQLFragment(sql: "TRUE", bindings: [])) }
        do {
            return (ordering, try TSL.compile(search, catalog: catalog, firstPlaceholder: 1))
        } catch {
            throw .invalid(error.description, field: "search")
        }
    }

    /// Rows skipped before this page. Saturates instead of trapping: a query built in code may carry
    /// any `Int` (the parser allows only 32-bit pages), and a page that far out is simply empty.
    var offset: Int {
        let (product, overflow) = max(page - 1, 0).multipliedReportingOverflow(by: max(pageSize, 0))
        return overflow ? Int.max : product
    }
}

import Foundation
