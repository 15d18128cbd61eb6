import Foundation
import HTTPTypes
import HyperFleetModel
import Testing

@Suite("clusters and nodepools over HTTP")
struct ResourceTests {
    @Test func createGetAndListCluster() async throws {
        try await APIHarness.run { api in
            let created = try await api.createCluster("alpha", labels: ["env": "prod"], spec: #"{"region":"us-east-1"}"#)
            let id = try #require(created.at("id")?.stringValue)
            #expect(ResourceID.isWellFormed(id))
            #expect(created.at("kind") == .string("Cluster"))
            #expect(created.at("href") == .string("/api/hyperfleet/v1/clusters/\(id)"))
            #expect(created.at("generation") == .int(1))
            #expect(created.at("created_by") == .string("system@hyperfleet.local"))
            #expect(created.at("status.phase") == .string("NotReady"))
            #expect(created.at("status.observed_generation") == .int(0))
            #expect(created.at("status.conditions") == .array([]))
            #expect(created.at("status.last_transition_time") == created.at("created_time"))
            #expect(created.at("status.last_updated_time") == created.at("created_time"))
            #expect(created.at("spec.region") == .string("us-east-1"))

            let fetched = try await api.get("/api/hyperfleet/v1/clusters/\(id)")
            #expect(fetched.status == 200)
            #expect(try fetched.json() == created)
            // A trailing slash is tolerated.
            #expect(try await api.get("/api/hyperfleet/v1/clusters/\(id)/").status == 200)

            let list = try await api.get("/api/hyperfleet/v1/clusters")
            #expect(try list.string("kind") == "ClusterList")
            #expect(try list.int("total") == 1)
            #expect(try list.int("size") == 1)
            #expect(try list.int("page") == 1)
            #expect(try list.string("items.0.id") == id)
        }
    }

    @Test func labelsDefaultToEmptyObject() async throws {
        try await APIHarness.run { api in
            let reply = try await api.post("/api/hyperfleet/v1/clusters", #"{"kind":"Cluster","name":"nolabels","spec":{}}"#)
            #expect(reply.status == 201)
            #expect(try reply.value("labels") == .object([:]))
        }
    }

    @Test func duplicateNamesConflict() async throws {
        try await APIHarness.run { api in
            let first = try await api.createCluster("dup")
            let again = try await api.post("/api/hyperfleet/v1/clusters", #"{"kind":"Cluster","name":"dup","spec":{}}"#)
            #expect(again.status == 409)
            #expect(again.errorCode == "6")
            let id = try #require(first.at("id")?.stringValue)
            _ = try await api.createNodePool(id, "pool")
            let poolAgain = try await api.post("/api/hyperfleet/v1/clusters/\(id)/nodepools", #"{"name":"pool","spec":{}}"#)
            #expect(poolAgain.status == 409)
            #expect(poolAgain.errorCode == "6")
            // The same nodepool name under another cluster is fine.
            let other = try await api.createCluster("other")
            _ = try await api.createNodePool(try #require(other.at("id")?.stringValue), "pool")
            #expect(try await api.get("/api/hyperfleet/v1/clusters").int("total") == 2)
        }
    }

    @Test(arguments: [
        // (body, expected error id, field named in details or nil)
        (#"not json"#, "17", nil),
        (#"[1,2]"#, "17", nil),
        (#"{"kind":"Cluster","name":"ok-name","spec":{},"sepc":{}}"#, "8", "sepc"),
        (#"{"kind":"Cluster","name":"ok-name","spec":{},"id":"x"}"#, "8", "id"),
        (#"{"kind":"Cluster","name":"ok-name","spec":{},"status":{}}"#, "8", "status"),
        (#"{"kind":"Cluster","name":"ok-name","spec":{},"generation":3}"#, "8", "generation"),
        (#"{"name":"ok-name","spec":{}}"#, "8", "kind"),
        (#"{"kind":"NodePool","name":"ok-name","spec":{}}"#, "8", "kind"),
        (#"{"kind":"Cluster","spec":{}}"#, "8", "name"),
        (#"{"kind":"Cluster","name":"ab","spec":{}}"#, "8", "name"),
        (#"{"kind":"Cluster","name":"Upper","spec":{}}"#, "8", "name"),
        (#"{"kind":"Cluster","name":"-dash","spec":{}}"#, "8", "name"),
        (#"{"kind":"Cluster","name":"ok-name"}"#, "8", "spec"),
        (#"{"kind":"Cluster","name":"ok-name","spec":[]}"#, "8", "spec"),
        (#"{"kind":"Cluster","name":"ok-name","spec":{},"labels":{"env":3}}"#, "8", "labels.env"),
        (#"{"kind":"Cluster","name":"ok-name","spec":{},"labels":{"bad key":"x"}}"#, "8", nil),
        (#"{"kind":"Cluster","name":"ok-name","spec":{},"labels":{"env":"has space"}}"#, "8", nil),
        (#"{"kind":"Cluster","name":"ok-name","spec":{"a":"x\u0000y"}}"#, "8", "spec.a"),
    ])
    func invalidCreateBodies(body: String, code: String, field: String?) async throws {
        try await APIHarness.run { api in
            let reply = try await api.post("/api/hyperfleet/v1/clusters", body)
            #expect(reply.status == 400, "\(body) -> \(reply.body)")
            #expect(reply.errorCode == code, "\(body) -> \(reply.body)")
            #expect(reply.headers[.contentType] == "application/json")
            if let field {
                let fields = try (reply.value("details")).flatMap { value -> [String]? in
                    guard case .array(let items) = value else { return nil }
                    return items.compactMap { $0.at("field")?.stringValue }
                } ?? []
                #expect(fields.contains { $0 == field || $0.hasSuffix(field) }, "\(body) -> \(reply.body)")
            }
            // Nothing was written.
            #expect(try await api.get("/api/hyperfleet/v1/clusters").int("total") == 0)
        }
    }

    @Test func wrongContentTypeAndOversizedBodies() async throws {
        try await APIHarness.run(configure: { $0.maxBodyBytes = 4096 }) { api in
            let plain = try await api.request(
                .post, "/api/hyperfleet/v1/clusters", json: #"{"kind":"Cluster","name":"abc","spec":{}}"#, contentType: "text/plain")
            #expect(plain.status == 415)
            #expect(plain.errorCode == "23")
            // Over a connection of its own: after a 413 for a declared body over the limit the server
            // closes the connection rather than read the body (ConnectionTests), which would end the
            // test client's keep-alive connection too.
            let big = #"{"kind":"Cluster","name":"abc","spec":{"x":""# + String(repeating: "a", count: 5000) + #""}}"#
            let text = try await RawConnection(port: try #require(api.client.port)).exchange(
                "POST /api/hyperfleet/v1/clusters HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(big.utf8.count)\r\n\r\n" + big)
            let large = ConnectionTests.responses(in: text)
            #expect(large.map(\.status) == [413])
            #expect(large.first?.body.contains(#""id":"22""#) == true)
            #expect(try await api.get("/api/hyperfleet/v1/clusters").int("total") == 0)
        }
    }

    @Test func nodePoolsBelongToTheirCluster() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("parent")
            let clusterID = try #require(cluster.at("id")?.stringValue)
            let pool = try await api.createNodePool(clusterID, "workers", labels: ["tier": "gold"])
            let poolID = try #require(pool.at("id")?.stringValue)
            #expect(pool.at("kind") == .string("NodePool"))
            #expect(pool.at("href") == .string("/api/hyperfleet/v1/clusters/\(clusterID)/nodepools/\(poolID)"))
            #expect(pool.at("owner_references.id") == .string(clusterID))
            #expect(pool.at("owner_references.kind") == .string("Cluster"))
            #expect(pool.at("owner_references.href") == .string("/api/hyperfleet/v1/clusters/\(clusterID)"))

            let other = try #require(try await api.createCluster("stranger").at("id")?.stringValue)
            #expect(try await api.get("/api/hyperfleet/v1/clusters/\(other)/nodepools/\(poolID)").status == 404)
            #expect(try await api.get("/api/hyperfleet/v1/clusters/\(clusterID)/nodepools/\(poolID)").status == 200)
            #expect(try await api.get("/api/hyperfleet/v1/clusters/\(clusterID)/nodepools").int("total") == 1)
            #expect(try await api.get("/api/hyperfleet/v1/clusters/\(other)/nodepools").int("total") == 0)
            #expect(try await api.get("/api/hyperfleet/v1/nodepools").int("total") == 1)
            let missing = ResourceID.generate()
            let orphan = try await api.post("/api/hyperfleet/v1/clusters/\(missing)/nodepools", #"{"name":"orphan","spec":{}}"#)
            #expect(orphan.status == 404)
            #expect(orphan.errorCode == "7")
            #expect(try await api.get("/api/hyperfleet/v1/clusters/\(missing)/nodepools").status == 404)
            // kind is optional for nodepools but must be NodePool when given.
            let wrongKind = try await api.post("/api/hyperfleet/v1/clusters/\(clusterID)/nodepools", #"{"kind":"Cluster","name":"np2","spec":{}}"#)
            #expect(wrongKind.status == 400)
        }
    }

    @Test func errorsForRoutesAndMethods() async throws {
        try await APIHarness.run { api in
            let unknown = try await api.get("/api/hyperfleet/v1/nothing-here")
            #expect(unknown.status == 404)
            #expect(unknown.errorCode == "7")
            #expect(try unknown.string("kind") == "Error")
            #expect(try unknown.string("code") == "hyperfleet-7")
            #expect(try unknown.string("href") == "/api/hyperfleet/v1/errors/7")
            let operationID = try #require(unknown.headers[HTTPField.Name("X-Operation-ID")!])
            #expect(try unknown.string("operation_id") == operationID)

            let wrongMethod = try await api.request(.put, "/api/hyperfleet/v1/clusters", json: "{}")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.errorCode == "10")
            let allow = wrongMethod.headers[.allow] ?? ""
            #expect(allow.contains("GET") && allow.contains("POST"))

            let missing = try await api.get("/api/hyperfleet/v1/clusters/\(ResourceID.generate())")
            #expect(missing.status == 404)
            #expect(try await api.get("/api/hyperfleet/v1/clusters/not-an-id").status == 404)

            let echoed = try await api.get("/api/hyperfleet/v1/clusters", headers: [HTTPField.Name("X-Request-ID")!: "req-123"])
            #expect(echoed.headers[HTTPField.Name("X-Operation-ID")!] == "req-123")
        }
    }

    @Test func openEndpoints() async throws {
        try await APIHarness.run { api in
            let root = try await api.get("/api/hyperfleet")
            #expect(root.status == 200)
            #expect(try root.string("kind") == "API")
            #expect(try root.string("id") == "hyperfleet")
            let spec = try await api.get("/api/hyperfleet/v1/openapi")
            #expect(spec.status == 200)
            #expect(try spec.string("info.version") == "1.0.1")
            #expect(try spec.value("paths./api/hyperfleet/v1/clusters/{cluster_id}.patch") != nil)
        }
    }
}
