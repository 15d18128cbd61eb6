import HTTPTypes
import Hummingbird
import HyperFleetModel
import NIOCore

/// Reads a request body after checking its media type and size; nothing is parsed here.
enum RequestBodyReader {
    /// The body bytes and whether it was sent as `application/merge-patch+json`.
    /// With `allowEmpty`, a request without a body (and without a `Content-Type`) reads as empty bytes.
    static func read(
        _ request: Request, limit: Int, allowMergePatch: Bool = false, allowEmpty: Bool = false
    ) async throws -> (bytes: [UInt8], mergePatch: Bool) {
        let mediaType = request.headers[.contentType]?
            .split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let mergePatch = allowMergePatch && mediaType == "application/merge-patch+json"
        guard mediaType == "application/json" || mergePatch else {
            let accepted = allowMergePatch ? "application/json or application/merge-patch+json" : "application/json"
            let got = mediaType.isEmpty ? "no Content-Type" : "'\(mediaType.prefix(80))'"
            let problem = APIError(.unsupportedMediaType, "request body must be \(accepted), got \(got)")
            guard allowEmpty, mediaType.isEmpty else { throw problem }
            // No media type is fine only when there is no body either.
            guard try await collect(request, limit: limit).isEmpty else { throw problem }
            return ([], false)
        }
        return (try await collect(request, limit: limit), mergePatch)
    }

    private static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.payloadTooLarge, "request body is over the limit of \(limit) bytes")
        } catch {
            // The body stopped arriving: the connection closed, or went idle past server.idle_timeout.
            // The client's fault, not the server's; an answer, if it can still be sent, says so.
            throw APIError(.malformedBody, "the request body did not arrive completely")
        }
        return Array(buffer.readableBytesView)
    }
}

/// A declared body over the limit is refused before routing, auth or reading: the answer goes out at
/// once (the connection then closes, see `ConnectionEdge`), whatever the route.
struct DeclaredBodyLimitMiddleware: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw APIError(.payloadTooLarge, "request body of \(length) bytes is over the limit of \(maxBodyBytes) bytes")
        }
        return try await next(request, context)
    }
}
