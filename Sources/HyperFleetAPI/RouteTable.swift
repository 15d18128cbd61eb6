import HTTPTypes
import Hummingbird
import Synchronization

/// The routes the router ended up with, as templates (`/api/hyperfleet/v1/clusters/{cluster_id}`),
/// used to answer 405 with `Allow`. Hummingbird wraps a route in the router's middlewares when the route
/// is added, so the error middleware exists before the routes do: it gets this table empty, and the
/// builder fills it from the router once every group registered its routes.
final class RouteTable: Sendable {
    static let prefix = "/api/hyperfleet/v1"

    private let routes = Mutex<[(method: HTTPRequest.Method, segments: [Substring])]>([])

    /// Takes the routes registered on `router` so far.
    func fill(from router: Router<APIRequestContext>) {
        let registered = router.routes.map { (method: $0.method, segments: $0.path.description.split(separator: "/")) }
        routes.withLock { $0 = registered }
    }

    /// Methods registered for the template a concrete path matches (empty when none matches; a
    /// trailing `/` is tolerated).
    func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = routes.withLock { $0 }.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { part, segment in part.hasPrefix("{") || part == segment }
        }
        guard let first = matching.first else { return [] }
        return matching.filter { $0.segments == first.segments }.map(\.method)
    }

    /// The metrics label of a matched route (Hummingbird's `endpointPath`): the part below the version
    /// prefix, e.g. `/clusters/{cluster_id}`; `unmatched` when no route matched.
    static func metricsLabel(_ endpoint: String?) -> String {
        guard let endpoint, endpoint.hasPrefix("/") else { return "unmatched" }
        if endpoint.hasPrefix(prefix) {
            let rest = endpoint.dropFirst(prefix.count)
            return rest.isEmpty ? "/" : String(rest)
        }
        return endpoint
    }
}
