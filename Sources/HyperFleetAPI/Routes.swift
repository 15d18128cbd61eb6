import Foundation
import HTTPTypes
import Hummingbird
import HyperFleetModel
import HyperFleetStore

/// `/api/hyperfleet` and `/api/hyperfleet/v1/openapi`: open to everyone.
struct MetaRoutes: Sendable {
    let version: String
    let openAPIDocument: ByteBuffer

    func register(on router: Router<APIRequestContext>) {
        router.get("/api/hyperfleet") { _, _ in
            JSONResponse.make(["id": "hyperfleet", "kind": "API", "href": "/api/hyperfleet", "version": version])
        }
        router.get(RouterPath(RouteTable.prefix + "/openapi")) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: openAPIDocument))
        }
    }
}

/// Clusters: list, create, read, patch, delete.
struct ClusterRoutes: Sendable {
    let store: ResourceStore
    let input: RequestInput

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("clusters") { request, _ in JSONResponse.make(try await store.clusters(try input.listQuery(request))) }
        group.post("clusters") { request, context in
            let create = try RequestValidation.clusterCreate(try await input.body(request).bytes).get()
            let cluster = try await store.createCluster(create, by: context.actor)
            context.recordCreated(id: cluster.id)
            return JSONResponse.make(cluster, status: .created)
        }
        group.get("clusters/:cluster_id") { _, context in
            JSONResponse.make(try await store.clusterDocument(id: try input.id(context, "cluster_id")))
        }
        group.patch("clusters/:cluster_id") { request, context in
            let view = try await store.patch(.cluster(id: try input.id(context, "cluster_id")), try await input.patch(request), by: context.actor)
            return JSONResponse.make(view.cluster)
        }
        group.delete("clusters/:cluster_id") { request, context in
            let outcome = try await store.delete(
                .cluster(id: try input.id(context, "cluster_id")), by: context.actor, force: try input.forceFlag(request))
            return JSONResponse.make(outcome.view.cluster, status: .accepted)
        }
    }
}

/// Nodepools, under their cluster and across all clusters.
struct NodePoolRoutes: Sendable {
    let store: ResourceStore
    let input: RequestInput

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("nodepools") { request, _ in JSONResponse.make(try await store.nodePools(clusterID: nil, try input.listQuery(request))) }
        group.get("clusters/:cluster_id/nodepools") { request, context in
            JSONResponse.make(try await store.nodePools(clusterID: try input.id(context, "cluster_id"), try input.listQuery(request)))
        }
        group.post("clusters/:cluster_id/nodepools") { request, context in
            let clusterID = try input.id(context, "cluster_id")
            let create = try RequestValidation.nodePoolCreate(try await input.body(request).bytes).get()
            let nodePool = try await store.createNodePool(clusterID: clusterID, create, by: context.actor)
            context.recordCreated(id: nodePool.id)
            return JSONResponse.make(nodePool, status: .created)
        }
        group.get("clusters/:cluster_id/nodepools/:nodepool_id") { _, context in
            JSONResponse.make(try await store.nodePoolDocument(clusterID: try input.id(context, "cluster_id"), id: try input.id(context, "nodepool_id")))
        }
        group.patch("clusters/:cluster_id/nodepools/:nodepool_id") { request, context in
            let target = try input.nodePool(context)
            return JSONResponse.make(try await store.patch(target, try await input.patch(request), by: context.actor).nodePool)
        }
        group.delete("clusters/:cluster_id/nodepools/:nodepool_id") { request, context in
            let outcome = try await store.delete(try input.nodePool(context), by: context.actor, force: try input.forceFlag(request))
            return JSONResponse.make(outcome.view.nodePool, status: .accepted)
        }
    }
}

/// Adapter status reports of clusters and nodepools (the group carries the adapter write claim).
struct StatusRoutes: Sendable {
    let store: ResourceStore
    let input: RequestInput

    func register(on group: RouterGroup<APIRequestContext>) {
        group.get("clusters/:cluster_id/statuses") { request, context in
            JSONResponse.make(try await store.statuses(.cluster(id: try input.id(context, "cluster_id")), try input.listQuery(request)))
        }
        group.post("clusters/:cluster_id/statuses") { request, context in
            JSONResponse.make(try await upsert(request, .cluster(id: try input.id(context, "cluster_id"))), status: .created)
        }
        group.get("clusters/:cluster_id/nodepools/:nodepool_id/statuses") { request, context in
            JSONResponse.make(try await store.statuses(try input.nodePool(context), try input.listQuery(request)))
        }
        group.post("clusters/:cluster_id/nodepools/:nodepool_id/statuses") { request, context in
            JSONResponse.make(try await upsert(request, try input.nodePool(context)), status: .created)
        }
    }

    private func upsert(_ request: Request, _ target: ResourceTarget) async throws -> AdapterStatus {
        let body = try await input.body(request)
        let now = Timestamp.now()
        let report = try RequestValidation.statusReport(body.bytes, now: now).get()
        return try await store.upsertStatus(target, report, now: now)
    }
}

/// The operator's controls and the reconciliation view of clusters and nodepools (OPERATIONS.md);
/// registered in the resource group, so the writes need the resource-write claim like a PATCH.
struct ReconcileRoutes: Sendable {
    let store: ResourceStore
    let input: RequestInput

    func register(on group: RouterGroup<APIRequestContext>) {
        for type in ResourceType.allCases {
            let path = type == .clusters ? "clusters/:cluster_id" : "clusters/:cluster_id/nodepools/:nodepool_id"
            for control in ReconcileControl.allCases {
                group.post(RouterPath(path + "/" + control.rawValue)) { request, context in
                    let target = try input.target(type, context)
                    let body = try RequestValidation.reconcileControl(try await input.body(request, allowEmpty: true).bytes).get()
                    let document = try await store.control(control, target, body, by: context.actor)
                    return JSONResponse.make(document, status: control == .reconcile ? .accepted : .ok)
                }
            }
            group.get(RouterPath(path + "/reconciliation")) { _, context in
                JSONResponse.make(try await store.reconciliation(try input.target(type, context)))
            }
            group.get(RouterPath(path + "/history")) { request, context in
                JSONResponse.make(try await store.history(try input.target(type, context), try input.pageQuery(request)))
            }
        }
    }
}

/// Reading what every route group needs from a request: ids, list parameters, bodies, flags.
struct RequestInput: Sendable {
    let maxBodyBytes: Int

    func body(_ request: Request, allowMergePatch: Bool = false, allowEmpty: Bool = false) async throws -> (bytes: [UInt8], mergePatch: Bool) {
        try await RequestBodyReader.read(request, limit: maxBodyBytes, allowMergePatch: allowMergePatch, allowEmpty: allowEmpty)
    }

    func patch(_ request: Request) async throws -> ResourcePatch {
        let body = try await body(request, allowMergePatch: true)
        return try RequestValidation.patch(body.bytes, mode: body.mergePatch ? .merge : .replace).get()
    }

    /// `?force=true` on DELETE; anything but true/false is a 400.
    func forceFlag(_ request: Request) throws -> Bool {
        guard let value = request.uri.queryParameters["force"] else { return false }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw APIError(.validation, "force must be true or false", details: [FieldError(field: "force", error: "must be true or false")])
        }
    }

    func listQuery(_ request: Request) throws -> ListQuery {
        let parameters = request.uri.queryParameters
        return try ListQuery { name in parameters[name[...]].map(String.init) }
    }

    /// `page` and `pageSize` only, with the lists' rules (for lists that have one fixed order and no search).
    func pageQuery(_ request: Request) throws -> ListQuery {
        let parameters = request.uri.queryParameters
        return try ListQuery { name in
            name == "page" || name == "pageSize" ? parameters[name[...]].map(String.init) : nil
        }
    }

    /// A path id; anything that is not a well-formed id cannot exist, so it is a 404 without a query.
    func id(_ context: APIRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), ResourceID.isWellFormed(value) else {
            let noun = name == "cluster_id" ? "cluster" : "nodepool"
            throw APIError(.notFound, "\(noun) '\(context.parameters.get(name)?.prefix(64) ?? "")' not found")
        }
        return value
    }

    /// The cluster, or the nodepool under its cluster, that the path names.
    func target(_ type: ResourceType, _ context: APIRequestContext) throws -> ResourceTarget {
        type == .clusters ? .cluster(id: try id(context, "cluster_id")) : try nodePool(context)
    }

    func nodePool(_ context: APIRequestContext) throws -> ResourceTarget {
        .nodePool(clusterID: try id(context, "cluster_id"), id: try id(context, "nodepool_id"))
    }
}
