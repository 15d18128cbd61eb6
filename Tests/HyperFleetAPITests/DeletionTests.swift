import Foundation
import HyperFleetModel
import Testing

@Suite("deletion lifecycle (extension)")
struct DeletionTests {
    static func finalize(_ api: APIHarness, _ path: String, adapter: String, generation: Int) async throws -> Reply {
        try await api.post(path + "/statuses", """
            {"adapter":"\(adapter)","observed_generation":\(generation),"observed_time":"\(Timestamp.now().rfc3339)",
             "conditions":[{"type":"Available","status":"False","reason":"Deleting"},{"type":"Applied","status":"False"},
                           {"type":"Health","status":"True"},{"type":"Finalized","status":"True"}]}
            """)
    }

    @Test func deleteMarksCascadesAndFinalizes() async throws {
        try await APIHarness.run(clusterAdapters: ["validation"], nodePoolAdapters: ["validation"]) { api in
            let cluster = try await api.createCluster("doomed")
            let clusterID = try #require(cluster.at("id")?.stringValue)
            let clusterPath = "/api/hyperfleet/v1/clusters/\(clusterID)"
            let pool = try await api.createNodePool(clusterID, "doomed-pool")
            let poolPath = clusterPath + "/nodepools/\(try #require(pool.at("id")?.stringValue))"

            let deleted = try await api.request(.delete, clusterPath)
            #expect(deleted.status == 202)
            #expect(try deleted.int("generation") == 2)
            #expect(try deleted.string("deleted_time") != nil)
            #expect(try deleted.string("deleted_by") == "system@hyperfleet.local")
            let poolAfter = try await api.get(poolPath)
            #expect(try poolAfter.string("deleted_time") != nil, "nodepools are marked in the same transaction")
            #expect(try poolAfter.int("generation") == 2)

            // A repeated DELETE changes nothing.
            let again = try await api.request(.delete, clusterPath)
            #expect(again.status == 202)
            #expect(try again.int("generation") == 2)
            #expect(try again.string("deleted_time") == deleted.string("deleted_time"))

            // Still readable and listable, searchable by deleted_time; no changes, no new children.
            #expect(try await api.get(clusterPath).status == 200)
            let search = try await api.get("/api/hyperfleet/v1/clusters?search=deleted_time%20is%20not%20null")
            #expect(try search.int("total") == 1)
            #expect(try await api.request(.patch, clusterPath, json: #"{"spec":{"a":1}}"#).status == 409)
            let child = try await api.post(clusterPath + "/nodepools", #"{"name":"late-pool","spec":{}}"#)
            #expect(child.status == 409)
            #expect(child.errorCode == "6")

            // The cluster finalizes first but waits for its nodepool; the nodepool's removal re-checks it.
            #expect(try await Self.finalize(api, clusterPath, adapter: "validation", generation: 2).status == 201)
            #expect(try await api.get(clusterPath).status == 200)
            #expect(try await Self.finalize(api, poolPath, adapter: "validation", generation: 2).status == 201)
            #expect(try await api.get(poolPath).status == 404)
            #expect(try await api.get(clusterPath).status == 404)
            #expect(try await api.get("/api/hyperfleet/v1/clusters").int("total") == 0)
        }
    }

    @Test func finalizedAtAnOldGenerationDoesNotRemove() async throws {
        try await APIHarness.run(clusterAdapters: ["validation", "dns"]) { api in
            let cluster = try await api.createCluster("stubborn")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            #expect(try await api.request(.delete, path).status == 202)
            #expect(try await Self.finalize(api, path, adapter: "validation", generation: 2).status == 201)
            // dns has not finalized: still there.
            #expect(try await api.get(path).status == 200)
            #expect(try await Self.finalize(api, path, adapter: "dns", generation: 2).status == 201)
            #expect(try await api.get(path).status == 404)
        }
    }

    @Test func forceRemovesOnlyWhatIsDeleting() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("forced")
            let clusterID = try #require(cluster.at("id")?.stringValue)
            let path = "/api/hyperfleet/v1/clusters/\(clusterID)"
            _ = try await api.createNodePool(clusterID, "forced-pool")
            let early = try await api.request(.delete, path + "?force=true")
            #expect(early.status == 409)
            #expect(try await api.get(path).int("generation") == 1)
            #expect(try await api.request(.delete, path + "?force=maybe").status == 400)
            #expect(try await api.request(.delete, path).status == 202)
            #expect(try await api.request(.delete, path + "?force=true").status == 202)
            #expect(try await api.get(path).status == 404)
            #expect(try await api.get("/api/hyperfleet/v1/nodepools").int("total") == 0)
            #expect(try await api.request(.delete, "/api/hyperfleet/v1/clusters/\(ResourceID.generate())").status == 404)
        }
    }
}
