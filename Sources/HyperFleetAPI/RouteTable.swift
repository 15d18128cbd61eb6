import HTTPTypes

/// The API's routes as templates, used to register handlers, to answer 405 with `Allow`, and to
/// label metrics by template rather than raw path.
enum RouteTable {
    static let prefix = "/api/hyperfleet/v1"

    static let routes: [(method: HTTPRequest.Method, template: String)] = [
        (.get, "/api/hyperfleet"),
        (.get, "/api/hyperfleet/v1/openapi"),
        (.get, "/api/hyperfleet/v1/clusters"),
        (.post, "/api/hyperfleet/v1/clusters"),
        (.get, "/api/hyperfleet/v1/clusters/{cluster_id}"),
        (.patch, "/api/hyperfleet/v1/clusters/{cluster_id}"),
        (.delete, "/api/hyperfleet/v1/clusters/{cluster_id}"),
        (.get, "/api/hyperfleet/v1/clusters/{cluster_id}/statuses"),
        (.post, "/api/hyperfleet/v1/clusters/{cluster_id}/statuses"),
        (.get, "/api/hyperfleet/v1/clusters/{cluster_id}/nodepools"),
        (.post, "/api/hyperfleet/v1/clusters/{cluster_id}/nodepools"),
        (.get, "/api/hyperfleet/v1/clusters/{cluster_id}/nodepools/{nodepool_id}"),
        (.patch, "/api/hyperfleet/v1/clusters/{cluster_id}/nodepools/{nodepool_id}"),
        (.delete, "/api/hyperfleet/v1/clusters/{cluster_id}/nodepools/{nodepool_id}"),
        (.get, "/api/hyperfleet/v1/clusters/{cluster_id}/nodepools/{nodepool_id}/statuses"),
        (.post, "/api/hyperfleet/v1/clusters/{cluster_id}/nodepools/{nodepool_id}/statuses"),
        (.get, "/api/hyperfleet/v1/nodepools"),
    ]

    /// The template a concrete path matches, if any (a trailing `/` is tolerated).
    static func template(matching path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.lazy.map(\.template).first { template in
            let parts = template.split(separator: "/")
            guard parts.count == segments.count else { return false }
            return zip(parts, segments).allSatisfy { part, segment in part.hasPrefix("{") || part == segment }
        }
    }

    /// Methods registered for the template a path matches (empty when no template matches).
    static func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        guard let template = template(matching: path) else { return [] }
        return routes.filter { $0.template == template }.map(\.method)
    }

    /// Hummingbird's `:name` form of a template.
    static func routerPath(_ template: String) -> String {
        template.split(separator: "/").map { part in
            part.hasPrefix("{") ? ":" + part.dropFirst().dropLast() : String(part)
        }.reduce("") { $0 + "/" + $1 }
    }

    /// The metrics label for a template: the part below the version prefix, e.g. `/clusters/{cluster_id}`.
    static func metricsLabel(_ template: String?) -> String {
        guard let template else { return "unmatched" }
        if template.hasPrefix(prefix) {
            let rest = template.dropFirst(prefix.count)
            return rest.isEmpty ? "/" : String(rest)
        }
        return template
    }
}
