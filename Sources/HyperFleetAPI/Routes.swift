import Foundation
import HTTPTypes
import Hummingbird
import HyperFleetModel
import HyperFleetStore

/// The handlers of the v1 API: thin translation between HTTP and the store.
struct APIRoutes: Sendable {
    let store: ResourceStore
    let maxBodyBytes: Int
    let version: String
    let openAPIDocument: ByteBuffer

    func register(on router: Router<APIRequestContext>) {
        for route in RouteTable.routes {
            let handler = self.handler(route.method, route.template)
            router.on(RouterPath(RouteTable.routerPath(route.template)), method: route.method) { request, context in
                try await handler(request, context)
            }
        }
    }

    typealias Handler = @Sendable (Request, APIRequestContext) async throws -> Response

    private func handler(_ method: HTTPRequest.Method, _ template: String) -> Handler {
        let path = template.dropFirst(RouteTable.prefix.count)
        switch (method, String(path)) {
        case (.get, _) where template == "/api/hyperfleet":
            return { _, _ in
                JSONResponse.make(["id": "hyperfleet", "kind": "API", "href": "/api/hyperfleet", "version": version])
            }
        case (.get, "/openapi"):
            return { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: openAPIDocument))
            }
        case (.get, "/clusters"):
            return { request, _ in JSONResponse.make(try await store.clusters(try listQuery(request))) }
        case (.post, "/clusters"):
            return { request, context in
                let body = try await RequestBodyReader.read(request, limit: maxBodyBytes)
                let create = try RequestValidation.clusterCreate(body.bytes).get()
                return JSONResponse.make(try await store.createCluster(create, by: context.actor), status: .created)
            }
        case (.get, "/clusters/{cluster_id}"):
            return { _, context in JSONResponse.make(try await store.clusterDocument(id: try id(context, "cluster_id"))) }
        case (.patch, "/clusters/{cluster_id}"):
            return { request, context in
                let patch = try await readPatch(request)
                let view = try await store.patch(.cluster(id: try id(context, "cluster_id")), patch, by: context.actor)
                return JSONResponse.make(view.cluster)
            }
        case (.delete, "/clusters/{cluster_id}"):
            return { request, context in
                let outcome = try await store.delete(
                    .cluster(id: try id(context, "cluster_id")), by: context.actor, force: try forceFlag(request))
                return JSONResponse.make(outcome.view.cluster, status: .accepted)
            }
        case (.delete, "/clusters/{cluster_id}/nodepools/{nodepool_id}"):
            return { request, context in
                let target = ResourceTarget.nodePool(clusterID: try id(context, "cluster_id"), id: try id(context, "nodepool_id"))
                let outcome = try await store.delete(target, by: context.actor, force: try forceFlag(request))
                return JSONResponse.make(outcome.view.nodePool, status: .accepted)
            }
        case (.get, "/clusters/{cluster_id}/statuses"):
            return { request, context in
                JSONResponse.make(try await store.statuses(.cluster(id: try id(context, "cluster_id")), try listQuery(request)))
            }
        case (.post, "/clusters/{cluster_id}/statuses"):
            return { request, context in
                let target = ResourceTarget.cluster(id: try id(context, "cluster_id"))
                return JSONResponse.make(try await upsert(request, target), status: .created)
            }
        case (.get, "/clusters/{cluster_id}/nodepools"):
            return { request, context in
                JSONResponse.make(try await store.nodePools(clusterID: try id(context, "cluster_id"), try listQuery(request)))
            }
        case (.post, "/clusters/{cluster_id}/nodepools"):
            return { request, context in
                let clusterID = try id(context, "cluster_id")
                let body = try await RequestBodyReader.read(request, limit: maxBodyBytes)
                let create = try RequestValidation.nodePoolCreate(body.bytes).get()
                return JSONResponse.make(try await store.createNodePool(clusterID: clusterID, create, by: context.actor), status: .created)
            }
        case (.get, "/clusters/{cluster_id}/nodepools/{nodepool_id}"):
            return { _, context in
                JSONResponse.make(try await store.nodePoolDocument(clusterID: try id(context, "cluster_id"), id: try id(context, "nodepool_id")))
            }
        case (.patch, "/clusters/{cluster_id}/nodepools/{nodepool_id}"):
            return { request, context in
                let target = ResourceTarget.nodePool(clusterID: try id(context, "cluster_id"), id: try id(context, "nodepool_id"))
                let patch = try await readPatch(request)
                return JSONResponse.make(try await store.patch(target, patch, by: context.actor).nodePool)
            }
        case (.get, "/clusters/{cluster_id}/nodepools/{nodepool_id}/statuses"):
            return { request, context in
                let target = ResourceTarget.nodePool(clusterID: try id(context, "cluster_id"), id: try id(context, "nodepool_id"))
                return JSONResponse.make(try await store.statuses(target, try listQuery(request)))
            }
        case (.post, "/clusters/{cluster_id}/nodepools/{nodepool_id}/statuses"):
            return { request, context in
                let target = ResourceTarget.nodePool(clusterID: try id(context, "cluster_id"), id: try id(context, "nodepool_id"))
                return JSONResponse.make(try await upsert(request, target), status: .created)
            }
        case (.get, "/nodepools"):
            return { request, _ in JSONResponse.make(try await store.nodePools(clusterID: nil, try listQuery(request))) }
        default:
            preconditionFailure("route \(method) \(template) has no handler")
        }
    }

    private func upsert(_ request: Request, _ target: ResourceTarget) async throws -> AdapterStatus {
        let body = try await RequestBodyReader.read(request, limit: maxBodyBytes)
        let now = Timestamp.now()
        let report = try RequestValidation.statusReport(body.bytes, now: now).get()
        return try await store.upsertStatus(target, report, now: now)
    }

    private func readPatch(_ request: Request) async throws -> ResourcePatch {
        let body = try await RequestBodyReader.read(request, limit: maxBodyBytes, allowMergePatch: true)
        return try RequestValidation.patch(body.bytes, mode: body.mergePatch ? .merge : .replace).get()
    }

    /// `?force=true` on DELETE; anything but true/false is a 400.
    private func forceFlag(_ request: Request) throws -> Bool {
        guard let value = request.uri.queryParameters["force"] else { return false }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw APIError(.validation, "force must be true or false", details: [FieldError(field: "force", error: "must be true or false")])
        }
    }

    private func listQuery(_ request: Request) throws -> ListQuery {
        let parameters = request.uri.queryParameters
        return try ListQuery { name in parameters[name[...]].map(String.init) }
    }

    /// A path id; anything that is not a well-formed id cannot exist, so it is a 404 without a query.
    private func id(_ context: APIRequestContext, _ name: String) throws -> String {
        guard let value = context.parameters.get(name), ResourceID.isWellFormed(value) else {
            let noun = name == "cluster_id" ? "cluster" : "nodepool"
            throw APIError(.notFound, "\(noun) '\(context.parameters.get(name)?.prefix(64) ?? "")' not found")
        }
        return value
    }
}
