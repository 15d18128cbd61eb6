import HyperFleetModel

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

    /// Reads the list parameters from a query string's values; bad values -> 400 code 21.
    public init(parameter: (String) -> String?) throws(APIError) {
        self.init()
        if let text = parameter("page") {
            guard let value = Int(text), value >= 1 else {
                throw APIError(.badQuery, "page must be an integer >= 1, got '\(text.prefix(40))'")
            }
            page = value
        }
        if let text = parameter("pageSize") {
            guard let value = Int(text), (1...Self.maximumPageSize).contains(value) else {
                throw APIError(.badQuery, "pageSize must be an integer from 1 to \(Self.maximumPageSize), got '\(text.prefix(40))'")
            }
            pageSize = value
        }
        orderBy = parameter("orderBy")
        order = parameter("order")
        if let order, order != "asc", order != "desc" {
            throw APIError(.badQuery, "order must be 'asc' or 'desc', got '\(order.prefix(40))'")
        }
        if let search = parameter("search"), !search.trimmingCharacters(in: .whitespaces).isEmpty {
            self.search = search
        }
    }

    var offset: Int { (page - 1) * pageSize }
}

import Foundation
