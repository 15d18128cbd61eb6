import Foundation
import HTTPTypes
import Hummingbird
import HyperFleetJSON
import HyperFleetModel

/// Builds JSON responses (snake_case keys, RFC 3339 times) with each body's hand-written `JSONWriter` form.
enum JSONResponse {
    static func make(_ value: some JSONWritable, status: HTTPResponse.Status = .ok) -> Response {
        // Room for a resource with its conditions in one allocation (a GET's body is under 2 KiB).
        response(value.jsonBytes(capacity: 4096), status: status, headers: [.contentType: "application/json"])
    }

    static func error(_ error: APIError, operationID: String, extraHeaders: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extraHeaders)
        return response(
            ErrorBody(error: error, operationID: operationID).jsonBytes(capacity: 256),
            status: HTTPResponse.Status(code: error.code.httpStatus), headers: headers)
    }

    /// The body in a buffer of exactly its size.
    private static func response(_ bytes: [UInt8], status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }
}
