import Foundation
import HTTPTypes
import Hummingbird
import HyperFleetModel

/// Builds JSON responses (snake_case keys, RFC 3339 times) with each body's hand-written `JSONWriter` form.
enum JSONResponse {
    static func make(_ value: some JSONWritable, status: HTTPResponse.Status = .ok) -> Response {
        body(value.jsonBytes(), status: status)
    }

    private static func body(_ bytes: some Sequence<UInt8>, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ error: APIError, operationID: String, extraHeaders: HTTPFields = [:]) -> Response {
        let body = ErrorBody(error: error, operationID: operationID)
        let data = body.jsonBytes(capacity: 256)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extraHeaders)
        return Response(
            status: HTTPResponse.Status(code: error.code.httpStatus),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
