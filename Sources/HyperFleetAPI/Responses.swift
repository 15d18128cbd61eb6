import Foundation
import HTTPTypes
import Hummingbird
import HyperFleetModel

/// Builds JSON responses with the project's encoder (snake_case keys, RFC 3339 times).
enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try HyperFleetJSON.encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ error: APIError, operationID: String, extraHeaders: HTTPFields = [:]) -> Response {
        let body = ErrorBody(error: error, operationID: operationID)
        let data = (try? HyperFleetJSON.encoder.encode(body)) ?? Data(#"{"kind":"Error"}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extraHeaders)
        return Response(
            status: HTTPResponse.Status(code: error.code.httpStatus),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
