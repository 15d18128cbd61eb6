import Foundation
import HyperFleetJSON
import HyperFleetModel

/// A resource found by name or id: its address and its body as the API returned it.
public struct ResolvedResource: Sendable {
    public let ref: ResourceRef
    public let document: APIDocument
}

extension HyperFleetClient {
    /// Finds a resource by id or name. An argument shaped like an id (32 characters of `[0-9a-v]`) is tried
    /// as an id first; otherwise, or when no resource has that id, it is a name. A nodepool name is looked
    /// up in `cluster` (an id or a name) when given, else across all clusters, where it must be unique.
    public func resolve(_ kind: ResourceKind, _ nameOrID: String, cluster: String? = nil) async throws(ClientError) -> ResolvedResource {
        let clusterID: String?
        if let cluster, kind == .nodePool {
            clusterID = try await resolve(.cluster, cluster).ref.id
        } else {
            clusterID = nil
        }
        if ResourceID.isWellFormed(nameOrID), let found = try await byID(kind, nameOrID, clusterID: clusterID) {
            return found
        }
        return try await byName(kind, nameOrID, clusterID: clusterID)
    }

    /// The resource with this id, or nil when there is none.
    func byID(_ kind: ResourceKind, _ id: String, clusterID: String?) async throws(ClientError) -> ResolvedResource? {
        do throws(ClientError) {
            switch (kind, clusterID) {
            case (.cluster, _):
                return ResolvedResource(ref: .cluster(id: id), document: try await get(.cluster(id: id)))
            case (.nodePool, let clusterID?):
                let ref = ResourceRef.nodePool(clusterID: clusterID, id: id)
                return ResolvedResource(ref: ref, document: try await get(ref))
            case (.nodePool, nil):
                // A nodepool's path needs its cluster: find it by id across clusters, then read it by path
                // so that `-o json` prints the body of a GET of the resource.
                let page = try await list(.nodePool, ListRequest(search: "id=\(Self.quoted(id))", pageSize: 1, orderBy: nil))
                guard let owner = page.items.first.flatMap(Self.ownerClusterID) else { return nil }
                let ref = ResourceRef.nodePool(clusterID: owner, id: id)
                return ResolvedResource(ref: ref, document: try await get(ref))
            }
        } catch .api(let problem) where problem.status == 404 {
            return nil
        }
    }

    func byName(_ kind: ResourceKind, _ name: String, clusterID: String?) async throws(ClientError) -> ResolvedResource {
        // Two more than one is enough to say "ambiguous"; a few more make the list of matches useful.
        let page = try await list(kind, clusterID: clusterID, ListRequest(search: "name=\(Self.quoted(name))", pageSize: 20))
        let matches = page.items
        guard let first = matches.first, let id = first.at("id")?.stringValue else {
            let place = clusterID.map { " in cluster \($0)" } ?? ""
            throw .notFound("\(kind.noun) '\(name)' not found\(place)")
        }
        guard matches.count == 1 else {
            let total = page.value.at("total")?.exactIntegerValue.map(Int.init) ?? matches.count
            throw .ambiguous(
                "\(total) \(kind.noun)s are named '\(name)'; give an id, or --cluster:",
                matches: matches.map { item in
                    let cluster = Self.ownerClusterID(item).map { "  cluster \($0)" } ?? ""
                    return "\(item.at("id")?.stringValue ?? "?")\(cluster)"
                })
        }
        let ref: ResourceRef
        switch kind {
        case .cluster: ref = .cluster(id: id)
        case .nodePool:
            guard let owner = clusterID ?? Self.ownerClusterID(first) else {
                throw .unexpectedResponse("nodepool \(id) has no owner cluster")
            }
            ref = .nodePool(clusterID: owner, id: id)
        }
        return ResolvedResource(ref: ref, document: try await get(ref))
    }

    /// A TSL string literal: single quotes, an inner quote doubled.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The cluster id of a nodepool body (`owner_references.id`).
    public static func ownerClusterID(_ nodePool: JSONValue) -> String? {
        nodePool.at("owner_references.id")?.stringValue
    }
}
