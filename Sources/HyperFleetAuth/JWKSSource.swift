import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where the JWKS comes from.
enum JWKSSource: Sendable, CustomStringConvertible {
    case file(path: String)
    case url(URL, timeout: Duration)

    /// JWKS documents beyond this size are refused.
    static let maximumSize = 1024 * 1024

    /// The source named by a validated configuration.
    init(configuration: AuthConfiguration) throws(AuthConfigurationError) {
        try configuration.validate()
        if let path = configuration.jwksFile, !path.isEmpty {
            self = .file(path: path)
        } else if let text = configuration.jwksURL, let url = URL(string: text) {
            self = .url(url, timeout: configuration.fetchTimeout)
        } else {
            throw AuthConfigurationError(key: "jwksURL", message: "jwksURL is not a valid URL")
        }
    }

    var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .url(let url, _): "URL \(url.absoluteString)"
        }
    }

    /// Reads the raw JWKS bytes.
    func fetch() async throws(JWKSError) -> Data {
        let data: Data
        switch self {
        case .file(let path):
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw JWKSError(message: "cannot read JWKS file \(path): \(error.localizedDescription)")
            }
        case .url(let url, let timeout):
            data = try await Self.download(url, timeout: timeout)
        }
        guard data.count <= Self.maximumSize else {
            throw JWKSError(message: "JWKS from \(description) exceeds \(Self.maximumSize) bytes")
        }
        return data
    }

    private static func download(_ url: URL, timeout: Duration) async throws(JWKSError) -> Data {
        var request = URLRequest(url: url)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        request.cachePolicy = .reloadIgnoringLocalCacheData
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw JWKSError(message: "cannot fetch JWKS from \(url.absoluteString): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw JWKSError(message: "JWKS URL \(url.absoluteString) did not answer over HTTP")
        }
        guard http.statusCode == 200 else {
            throw JWKSError(message: "JWKS URL \(url.absoluteString) answered HTTP \(http.statusCode)")
        }
        return data
    }
}
