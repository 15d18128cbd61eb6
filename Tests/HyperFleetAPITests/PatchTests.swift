import Foundation
import HyperFleetJSON
import HyperFleetModel
import Testing

@Suite("PATCH extension")
struct PatchTests {
    @Test func generationMovesOnlyOnRealChange() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("patchy", labels: ["env": "dev"], spec: #"{"a":1,"b":{"c":2}}"#)
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            // Same spec with keys in another order: no change at all.
            let same = try await api.request(.patch, path, json: #"{"spec":{"b":{"c":2},"a":1}}"#)
            #expect(same.status == 200)
            #expect(try same.int("generation") == 1)
            #expect(try same.string("updated_time") == cluster.at("updated_time")?.stringValue)
            // A labels-only change counts.
            let labels = try await api.request(.patch, path, json: #"{"labels":{"env":"prod"}}"#)
            #expect(try labels.int("generation") == 2)
            #expect(try labels.string("labels.env") == "prod")
            // Merge patch: null removes a key, others merge.
            let merged = try await api.request(
                .patch, path, json: #"{"spec":{"a":null,"d":4}}"#, contentType: "application/merge-patch+json")
            #expect(merged.status == 200, "\(merged.body)")
            #expect(try merged.int("generation") == 3)
            #expect(try merged.value("spec") == JSONValue.object(["b": .object(["c": .int(2)]), "d": .int(4)]))
            // Replace: spec replaced wholesale.
            let replaced = try await api.request(.patch, path, json: #"{"spec":{"only":true}}"#)
            #expect(try replaced.value("spec") == JSONValue.object(["only": .bool(true)]))
            #expect(try replaced.int("generation") == 4)
            #expect(try await api.get(path).int("generation") == 4)
        }
    }

    @Test(arguments: [
        #"{"name":"renamed"}"#, #"{"kind":"Cluster"}"#, #"{"generation":9}"#, #"{"spec":{},"extra":1}"#, #"{}"#,
        #"{"spec":[1]}"#, #"{"labels":{"k":1}}"#, "nope",
    ])
    func badPatches(body: String) async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("patch-bad")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            let reply = try await api.request(.patch, path, json: body)
            #expect(reply.status == 400, "\(body) -> \(reply.body)")
            #expect(try await api.get(path).int("generation") == 1)
        }
    }

    @Test func patchNodePoolAndMissing() async throws {
        try await APIHarness.run { api in
            let clusterID = try #require(try await api.createCluster("np-patch").at("id")?.stringValue)
            let pool = try await api.createNodePool(clusterID, "np-one")
            let path = "/api/hyperfleet/v1/clusters/\(clusterID)/nodepools/\(try #require(pool.at("id")?.stringValue))"
            let reply = try await api.request(.patch, path, json: #"{"spec":{"replicas":5}}"#)
            #expect(reply.status == 200)
            #expect(try reply.int("generation") == 2)
            #expect(try reply.int("spec.replicas") == 5)
            let missing = try await api.request(.patch, "/api/hyperfleet/v1/clusters/\(ResourceID.generate())", json: #"{"spec":{}}"#)
            #expect(missing.status == 404)
        }
    }
}
