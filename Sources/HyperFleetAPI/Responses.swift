import Foundation
import HTTPTypes
import Hummingbird
import HyperFleetModel

/// Builds JSON responses (snake_case keys, RFC 3339 times) with each body's hand-written `JSONWriter` form.
enum JSONResponse {
    static func make(_ value: some JSONWritable, status: HTTPResponse.Status = .ok) -> Response {
        // Room for a resource with its conditions in one allocation (a GET's body is under 2 KiB).
        let bytes = value.jsonBytes(capacity: 4096)
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
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
