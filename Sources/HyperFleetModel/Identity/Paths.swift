/// Relative hrefs of API resources.
public enum Paths {
    /// Root of every versioned route.
    public static let base = "/api/hyperfleet/v1"

    /// `/api/hyperfleet/v1/clusters/{id}`
    public static func cluster(_ id: String) -> String {
        "\(base)/clusters/\(id)"
    }

    /// `/api/hyperfleet/v1/clusters/{clusterID}/nodepools/{id}`
    public static func nodePool(clusterID: String, id: String) -> String {
        "\(cluster(clusterID))/nodepools/\(id)"
    }

    /// `/api/hyperfleet/v1/errors/{code}`
    public static func error(_ code: Int) -> String {
        "\(base)/errors/\(code)"
    }
}
