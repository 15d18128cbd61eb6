import HyperFleetJSON
/// A reference to another resource (a nodepool's owner).
public struct ObjectReference: Sendable, Equatable, Codable {
    /// Resource id.
    public var id: String
    /// Resource kind.
    public var kind: String
    /// Resource href.
    public var href: String

    /// Creates a reference.
    public init(id: String, kind: String, href: String) {
        self.id = id
        self.kind = kind
        self.href = href
    }

    /// The owner reference of nodepools of cluster `clusterID`.
    public static func cluster(_ clusterID: String) -> ObjectReference {
        ObjectReference(id: clusterID, kind: "Cluster", href: Paths.cluster(clusterID))
    }
}

/// A cluster as stored and returned by the API.
public struct Cluster: Sendable, Equatable, Codable {
    /// Server-made id (32 base32hex characters).
    public var id: String
    /// Always "Cluster".
    public var kind: String = "Cluster"
    /// Relative URI of this resource.
    public var href: String
    /// Resource name, unique in its scope.
    public var name: String
    /// User labels (empty when none).
    public var labels: [String: String]
    /// The user's free-form intent.
    public var spec: [String: JSONValue]
    /// Starts at 1; +1 per real change of intent.
    public var generation: Int64
    /// Server time of creation.
    public var createdTime: Timestamp
    /// Server time of the last user write.
    public var updatedTime: Timestamp
    /// Email of the creator.
    public var createdBy: String
    /// Email of the last user writer.
    public var updatedBy: String
    /// Set once deletion starts.
    public var deletedTime: Timestamp?
    /// Email of whoever started deletion.
    public var deletedBy: String?
    /// Aggregated status, computed by the API.
    public var status: ResourceStatus

    enum CodingKeys: String, CodingKey {
        case id, kind, href, name, labels, spec, generation, status
        case createdTime = "created_time"
        case updatedTime = "updated_time"
        case createdBy = "created_by"
        case updatedBy = "updated_by"
        case deletedTime = "deleted_time"
        case deletedBy = "deleted_by"
    }

    /// Creates a cluster; `href` derives from `id`, and `status` defaults to the initial status.
    public init(id: String, name: String, labels: [String: String] = [:], spec: [String: JSONValue], generation: Int64 = 1,
                createdTime: Timestamp, updatedTime: Timestamp? = nil, createdBy: String, updatedBy: String? = nil,
                deletedTime: Timestamp? = nil, deletedBy: String? = nil, status: ResourceStatus? = nil) {
        self.id = id
        self.href = Paths.cluster(id)
        self.name = name
        self.labels = labels
        self.spec = spec
        self.generation = generation
        self.createdTime = createdTime
        self.updatedTime = updatedTime ?? createdTime
        self.createdBy = createdBy
        self.updatedBy = updatedBy ?? createdBy
        self.deletedTime = deletedTime
        self.deletedBy = deletedBy
        self.status = status ?? .initial(createdTime: createdTime)
    }
}

/// A nodepool as stored and returned by the API.
public struct NodePool: Sendable, Equatable, Codable {
    /// Server-made id (32 base32hex characters).
    public var id: String
    /// Always "NodePool".
    public var kind: String = "NodePool"
    /// Relative URI of this resource.
    public var href: String
    /// Resource name, unique in its scope.
    public var name: String
    /// User labels (empty when none).
    public var labels: [String: String]
    /// The user's free-form intent.
    public var spec: [String: JSONValue]
    /// Starts at 1; +1 per real change of intent.
    public var generation: Int64
    /// Server time of creation.
    public var createdTime: Timestamp
    /// Server time of the last user write.
    public var updatedTime: Timestamp
    /// Email of the creator.
    public var createdBy: String
    /// Email of the last user writer.
    public var updatedBy: String
    /// Set once deletion starts.
    public var deletedTime: Timestamp?
    /// Email of whoever started deletion.
    public var deletedBy: String?
    /// The owning cluster.
    public var ownerReferences: ObjectReference
    /// Aggregated status, computed by the API.
    public var status: ResourceStatus

    enum CodingKeys: String, CodingKey {
        case id, kind, href, name, labels, spec, generation, status
        case createdTime = "created_time"
        case updatedTime = "updated_time"
        case createdBy = "created_by"
        case updatedBy = "updated_by"
        case deletedTime = "deleted_time"
        case deletedBy = "deleted_by"
        case ownerReferences = "owner_references"
    }

    /// Creates a nodepool of cluster `clusterID`; `href` and `owner_references` derive from the ids.
    public init(id: String, clusterID: String, name: String, labels: [String: String] = [:], spec: [String: JSONValue],
                generation: Int64 = 1, createdTime: Timestamp, updatedTime: Timestamp? = nil, createdBy: String,
                updatedBy: String? = nil, deletedTime: Timestamp? = nil, deletedBy: String? = nil, status: ResourceStatus? = nil) {
        self.id = id
        self.href = Paths.nodePool(clusterID: clusterID, id: id)
        self.name = name
        self.labels = labels
        self.spec = spec
        self.generation = generation
        self.createdTime = createdTime
        self.updatedTime = updatedTime ?? createdTime
        self.createdBy = createdBy
        self.updatedBy = updatedBy ?? createdBy
        self.deletedTime = deletedTime
        self.deletedBy = deletedBy
        self.ownerReferences = .cluster(clusterID)
        self.status = status ?? .initial(createdTime: createdTime)
    }
}

/// A page of a list response.
public struct ListPage<Item: Sendable>: Sendable {
    /// ClusterList, NodePoolList or AdapterStatusList.
    public var kind: String
    /// 1-based page number.
    public var page: Int
    /// Number of items returned.
    public var size: Int
    /// Number of all matches.
    public var total: Int
    /// The items of this page.
    public var items: [Item]

    /// Creates a page; `size` is the item count.
    public init(kind: String, page: Int, total: Int, items: [Item]) {
        self.kind = kind
        self.page = page
        self.size = items.count
        self.total = total
        self.items = items
    }
}

extension ListPage: Equatable where Item: Equatable {}
extension ListPage: Codable where Item: Codable {}
