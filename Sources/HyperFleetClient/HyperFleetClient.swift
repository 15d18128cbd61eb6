import AsyncHTTPClient
import Foundation
import HyperFleetJSON
import HyperFleetModel
import NIOCore
import NIOHTTP1

/// A JSON body as the API sent it: the bytes (printed unchanged by `-o json`) and their parsed value.
public struct APIDocument: Sendable {
    public let bytes: [UInt8]
    public let value: JSONValue

    init(bytes: [UInt8]) throws(ClientError) {
        do throws(JSONParseError) {
            value = try JSONValue.parse(bytes)
        } catch {
            throw .unexpectedResponse("the body is not JSON (\(error.message))")
        }
        self.bytes = bytes
    }

    /// The body as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The `items` of a list body.
    public var items: [JSONValue] { value.at("items")?.arrayValue ?? [] }
}

/// What to list: a search (the API's TSL), a page, and for nodepools optionally one cluster's.
public struct ListRequest: Sendable, Equatable {
    public var search: String?
    public var page: Int
    public var pageSize: Int
    public var orderBy: String?

    public init(search: String? = nil, page: Int = 1, pageSize: Int = 100, orderBy: String? = "name asc") {
        self.search = search
        self.page = page
        self.pageSize = pageSize
        self.orderBy = orderBy
    }
}

/// The HyperFleet API over HTTP: typed calls for clusters, nodepools and their adapter statuses.
public struct HyperFleetClient: Sendable {
    /// What `hyperfleet dev` serves.
    public static let defaultServer = "http://127.0.0.1:8000"
    /// A response body larger than this is refused rather than buffered (the largest page is far smaller).
    static let maxBodyBytes = 64 * 1024 * 1024

    /// The process's HTTP client, never shut down (like `HTTPClient.shared`), with one difference: a failed
    /// connection attempt is not retried, so an unreachable server is reported at once instead of after
    /// the request's whole timeout.
    public static let processHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public let server: String
    let token: String?
    let timeout: TimeAmount
    let http: HTTPClient

    /// `server` is the API's base URL (`http://host:port`, with or without `/api/hyperfleet/v1`).
    public init(server: String, token: String? = nil, timeout: TimeAmount = .seconds(30), http: HTTPClient = HyperFleetClient.processHTTPClient) {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix(Paths.base) { base.removeLast(Paths.base.count) }
        self.server = base
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.timeout = timeout
        self.http = http
    }

    // MARK: Resources

    /// One page of clusters, or of nodepools (of one cluster when `clusterID` is given).
    public func list(_ kind: ResourceKind, clusterID: String? = nil, _ request: ListRequest = ListRequest()) async throws(ClientError) -> APIDocument {
        let collection: String
        switch (kind, clusterID) {
        case (.cluster, _): collection = Paths.base + "/clusters"
        case (.nodePool, let clusterID?): collection = Paths.cluster(clusterID) + "/nodepools"
        case (.nodePool, nil): collection = Paths.base + "/nodepools"
        }
        var query = [("page", String(request.page)), ("pageSize", String(request.pageSize))]
        if let search = request.search { query.append(("search", search)) }
        if let orderBy = request.orderBy { query.append(("orderBy", orderBy)) }
        return try await send(.GET, collection, query: query)
    }

    public func get(_ ref: ResourceRef) async throws(ClientError) -> APIDocument {
        try await send(.GET, ref.path)
    }

    /// Creates a cluster, or a nodepool in `clusterID`, from a body with `name`, `labels`, `spec` (and `kind`).
    public func create(_ kind: ResourceKind, clusterID: String? = nil, body: JSONValue) async throws(ClientError) -> APIDocument {
        switch (kind, clusterID) {
        case (.cluster, _): return try await send(.POST, Paths.base + "/clusters", body: body)
        case (.nodePool, let clusterID?): return try await send(.POST, Paths.cluster(clusterID) + "/nodepools", body: body)
        case (.nodePool, nil): throw .invalidInput("a nodepool is created in a cluster: name one")
        }
    }

    /// Applies a JSON merge-patch (RFC 7396) and returns the resource after it.
    public func patch(_ ref: ResourceRef, mergePatch: JSONValue) async throws(ClientError) -> APIDocument {
        try await send(.PATCH, ref.path, body: mergePatch, contentType: "application/merge-patch+json")
    }

    /// Asks for deletion (the API answers 202 with the resource, now deleting); `force` skips the adapters' cleanup.
    public func delete(_ ref: ResourceRef, force: Bool = false) async throws(ClientError) -> APIDocument {
        try await send(.DELETE, ref.path, query: force ? [("force", "true")] : [])
    }

    /// The adapters' latest reports on a resource.
    public func statuses(_ ref: ResourceRef) async throws(ClientError) -> APIDocument {
        try await send(.GET, ref.path + "/statuses", query: [("pageSize", "100")])
    }

    // MARK: Operations

    /// Reconcile now, pause or resume, with the operator's optional reason; the reconciliation document after it.
    public func control(_ control: ReconcileControl, _ ref: ResourceRef, reason: String? = nil) async throws(ClientError) -> APIDocument {
        try await send(.POST, ref.path + "/" + control.rawValue, body: .object(reason.map { ["reason": .string($0)] } ?? [:]))
    }

    /// The reconciliation document: controls, last event, next decision, adapters, blocking, recent history.
    public func reconciliation(_ ref: ResourceRef) async throws(ClientError) -> APIDocument {
        try await send(.GET, ref.path + "/reconciliation")
    }

    /// One page of the resource's reconcile history, newest first.
    public func history(_ ref: ResourceRef, page: Int = 1, pageSize: Int = 100) async throws(ClientError) -> APIDocument {
        try await send(.GET, ref.path + "/history", query: [("page", String(page)), ("pageSize", String(pageSize))])
    }

    // MARK: Transport

    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
        contentType: String = "application/json"
    ) async throws(ClientError) -> APIDocument {
        var request = HTTPClientRequest(url: server + path + Self.queryString(query))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "hyperfleet-cli")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body.serialized()))
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = Array(buffer: try await response.body.collect(upTo: Self.maxBodyBytes))
        } catch {
            throw .network(server: server, detail: Self.describe(error))
        }
        guard (200..<300).contains(status) else { throw .api(APIProblem(status: status, body: bytes)) }
        return try APIDocument(bytes: bytes)
    }

    static func queryString(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "?" + items.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }

    /// A network failure in a few words (AsyncHTTPClient's and NIO's errors describe themselves tersely).
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("connectTimeout") { return "connection timed out" }
        if text.contains("deadlineExceeded") { return "the request timed out" }
        if text.contains("bodyLengthMismatch") || text.contains("responseBodyTooBig") || text.contains("tooManyBytes") {
            return "the response body is too large"
        }
        return text.count > 200 ? String(text.prefix(200)) + "..." : text
    }
}
