import HyperFleetModel

/// The two resource types the API serves, and where each one lives.
public enum ResourceKind: String, Sendable, CaseIterable {
    case cluster
    case nodePool

    /// The `kind` field of a resource of this type.
    public var kindName: String { self == .cluster ? "Cluster" : "NodePool" }
    /// The word used in messages.
    public var noun: String { self == .cluster ? "cluster" : "nodepool" }
}

/// One existing resource's address: a nodepool's path needs its cluster.
public enum ResourceRef: Sendable, Equatable {
    case cluster(id: String)
    case nodePool(clusterID: String, id: String)

    public var kind: ResourceKind {
        if case .cluster = self { return .cluster }
        return .nodePool
    }

    public var id: String {
        switch self {
        case .cluster(let id), .nodePool(_, let id): return id
        }
    }

    /// The resource's path on the server (the API's own `Paths`).
    var path: String {
        switch self {
        case .cluster(let id): return Paths.cluster(id)
        case .nodePool(let clusterID, let id): return Paths.nodePool(clusterID: clusterID, id: id)
        }
    }
}
