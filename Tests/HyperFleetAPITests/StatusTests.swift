import Foundation
import HTTPTypes
import HummingbirdTesting
import HyperFleetJSON
import HyperFleetModel
import Testing

@Suite("adapter status reports and aggregation")
struct StatusTests {
    static let requiredClusterAdapters = ["validation", "dns", "pullsecret", "hypershift"]

    @Test func allRequiredCurrentAndAvailableMakesReady() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("ready-one")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            for (index, adapter) in Self.requiredClusterAdapters.enumerated() {
                let reply = try await api.report(path, adapter: adapter, generation: 1)
                #expect(reply.status == 201, "\(reply.body)")
                let phase = try await api.get(path).string("status.phase")
                #expect(phase == (index == Self.requiredClusterAdapters.count - 1 ? "Ready" : "NotReady"))
            }
            let ready = try await api.get(path)
            #expect(try ready.int("status.observed_generation") == 1)
            let types = try ready.json().at("status.conditions").flatMap { value -> [String]? in
                guard case .array(let items) = value else { return nil }
                return items.compactMap { $0.at("type")?.stringValue }
            }
            #expect(types == ["DnsSuccessful", "HypershiftSuccessful", "PullsecretSuccessful", "ValidationSuccessful"])
            #expect(try ready.string("status.last_transition_time") != cluster.at("created_time")?.stringValue)
        }
    }

    @Test func staleGenerationKeepsNotReadyAndHealthFalseFails() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("stale-gen")
            let id = try #require(cluster.at("id")?.stringValue)
            let path = "/api/hyperfleet/v1/clusters/\(id)"
            for adapter in Self.requiredClusterAdapters {
                try await api.report(path, adapter: adapter, generation: 1)
            }
            #expect(try await api.get(path).string("status.phase") == "Ready")
            // A spec change makes every report stale.
            let patched = try await api.request(.patch, path, json: #"{"spec":{"size":2}}"#)
            #expect(patched.status == 200)
            #expect(try patched.int("generation") == 2)
            #expect(try patched.string("status.phase") == "NotReady")
            for adapter in Self.requiredClusterAdapters.dropLast() {
                try await api.report(path, adapter: adapter, generation: 2)
            }
            #expect(try await api.get(path).string("status.phase") == "NotReady")
            #expect(try await api.get(path).int("status.observed_generation") == 1)
            // The last one reports it cannot make progress.
            try await api.report(path, adapter: "hypershift", generation: 2, available: "False", health: "False")
            #expect(try await api.get(path).string("status.phase") == "Failed")
            try await api.report(path, adapter: "hypershift", generation: 2)
            #expect(try await api.get(path).string("status.phase") == "Ready")
        }
    }

    @Test func silentRequiredAdapterPinsLastUpdatedTime() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("silent")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            for adapter in Self.requiredClusterAdapters.dropFirst() {
                try await api.report(path, adapter: adapter, generation: 1)
            }
            let reply = try await api.get(path)
            #expect(try reply.string("status.phase") == "NotReady")
            #expect(try reply.string("status.last_updated_time") == cluster.at("created_time")?.stringValue)
            #expect(try reply.int("status.observed_generation") == 0)
        }
    }

    @Test func nonRequiredAdapterAddsConditionButDoesNotBlock() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("extra")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            for adapter in Self.requiredClusterAdapters {
                try await api.report(path, adapter: adapter, generation: 1)
            }
            try await api.report(path, adapter: "gcp-provisioner", generation: 1, available: "False")
            let reply = try await api.get(path)
            #expect(try reply.string("status.phase") == "Ready")
            let types = try reply.json().at("status.conditions").flatMap { value -> [String]? in
                guard case .array(let items) = value else { return nil }
                return items.compactMap { $0.at("type")?.stringValue }
            } ?? []
            #expect(types.contains("GcpProvisionerSuccessful"))
        }
    }

    @Test func upsertRules() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("rules")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            let t0 = Timestamp.now().adding(seconds: -60)
            let first = try await api.report(path, adapter: "validation", generation: 1, observed: t0)
            #expect(first.status == 201)
            let createdTime = try first.string("created_time")
            // A retry (same generation and time) is accepted.
            #expect(try await api.report(path, adapter: "validation", generation: 1, observed: t0).status == 201)
            // Older report at the same generation -> 409, nothing stored.
            let older = try await api.report(path, adapter: "validation", generation: 1, observed: t0.adding(seconds: -10))
            #expect(older.status == 409)
            #expect(older.errorCode == "6")
            // A future generation -> 409.
            let future = try await api.report(path, adapter: "validation", generation: 2, observed: t0.adding(seconds: 5))
            #expect(future.status == 409)
            // A newer report keeps created_time and moves last_report_time; Available's transition time
            // stays while its status is unchanged.
            let newer = try await api.report(path, adapter: "validation", generation: 1, observed: t0.adding(seconds: 20))
            #expect(newer.status == 201)
            #expect(try newer.string("created_time") == createdTime)
            #expect(try newer.string("last_report_time") == t0.adding(seconds: 20).rfc3339)
            #expect(try newer.string("conditions.0.last_transition_time") == t0.rfc3339)
            let flipped = try await api.report(path, adapter: "validation", generation: 1, available: "False", observed: t0.adding(seconds: 30))
            #expect(try flipped.string("conditions.0.last_transition_time") == t0.adding(seconds: 30).rfc3339)

            let list = try await api.get(path + "/statuses")
            #expect(try list.string("kind") == "AdapterStatusList")
            #expect(try list.int("total") == 1)
            #expect(try list.int("items.0.observed_generation") == 1)
            // Unknown resource -> 404.
            let ghost = try await api.report("/api/hyperfleet/v1/clusters/\(ResourceID.generate())", adapter: "validation", generation: 1)
            #expect(ghost.status == 404)
        }
    }

    @Test(arguments: [
        #"{"adapter":"bad_name","observed_generation":1,"observed_time":"2026-01-01T00:00:00Z","conditions":[]}"#,
        #"{"observed_generation":1,"observed_time":"2026-01-01T00:00:00Z","conditions":[]}"#,
        #"{"adapter":"dns","observed_generation":0,"observed_time":"2026-01-01T00:00:00Z","conditions":[]}"#,
        #"{"adapter":"dns","observed_generation":1,"conditions":[]}"#,
        #"{"adapter":"dns","observed_generation":1,"observed_time":"yesterday","conditions":[]}"#,
        #"{"adapter":"dns","observed_generation":1,"observed_time":"2999-01-01T00:00:00Z","conditions":[]}"#,
        #"{"adapter":"dns","observed_generation":1,"observed_time":"2026-01-01T00:00:00Z"}"#,
        #"{"adapter":"dns","observed_generation":1,"observed_time":"2026-01-01T00:00:00Z","conditions":[{"type":"Available","status":"True"},{"type":"Available","status":"False"}]}"#,
        #"{"adapter":"dns","observed_generation":1,"observed_time":"2026-01-01T00:00:00Z","conditions":[{"type":"Available","status":"Maybe"}]}"#,
        #"{"adapter":"dns","observed_generation":1,"observed_time":"2026-01-01T00:00:00Z","conditions":[{"type":"","status":"True"}]}"#,
    ])
    func invalidReports(body: String) async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("bad-reports")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))/statuses"
            let reply = try await api.post(path, body)
            #expect(reply.status == 400, "\(body) -> \(reply.body)")
            #expect(reply.errorCode == "8", "\(body) -> \(reply.body)")
            #expect(try await api.get(path).int("total") == 0)
        }
    }

    @Test func nodePoolReportsAggregate() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("np-parent")
            let clusterID = try #require(cluster.at("id")?.stringValue)
            let pool = try await api.createNodePool(clusterID, "np-one")
            let path = "/api/hyperfleet/v1/clusters/\(clusterID)/nodepools/\(try #require(pool.at("id")?.stringValue))"
            try await api.report(path, adapter: "validation", generation: 1)
            #expect(try await api.get(path).string("status.phase") == "NotReady")
            try await api.report(path, adapter: "hypershift", generation: 1)
            #expect(try await api.get(path).string("status.phase") == "Ready")
            #expect(try await api.get(path + "/statuses").int("total") == 2)
            let other = try #require(try await api.createCluster("np-other").at("id")?.stringValue)
            let wrongParent = try await api.report(
                "/api/hyperfleet/v1/clusters/\(other)/nodepools/\(try #require(pool.at("id")?.stringValue))", adapter: "validation", generation: 1)
            #expect(wrongParent.status == 404)
        }
    }

    /// 100 adapters report for one cluster at once: no report is lost and the stored status equals a
    /// fresh aggregation of the stored rows.
    @Test func concurrentReportsLoseNothing() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("crowd")
            let id = try #require(cluster.at("id")?.stringValue)
            let path = "/api/hyperfleet/v1/clusters/\(id)/statuses"
            let port = try #require(api.client.port)
            let adapters = (0..<100).map { "adapter-\($0)" } + Self.requiredClusterAdapters
            try await withThrowingTaskGroup(of: Int.self) { group in
                for chunk in stride(from: 0, to: adapters.count, by: 13).map({ Array(adapters[$0..<min($0 + 13, adapters.count)]) }) {
                    group.addTask {
                        // All 113 reports queue on one row lock: on two loaded cores one can wait past the 15 s default.
                        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
                        client.connect()
                        defer { Task { try? await client.shutdown() } }
                        var created = 0
                        for adapter in chunk {
                            let body = APIHarness.reportBody(adapter: adapter, generation: 1)
                            let response = try await client.execute(TestClient.Request(
                                path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)))
                            if response.status == .created { created += 1 }
                        }
                        return created
                    }
                }
                var total = 0
                for try await count in group { total += count }
                #expect(total == adapters.count)
            }
            let list = try await api.get(path + "?pageSize=1000")
            #expect(try list.int("total") == Int64(adapters.count))
            let stored = try await api.get("/api/hyperfleet/v1/clusters/\(id)")
            #expect(try stored.string("status.phase") == "Ready")
            let conditions = try stored.json().at("status.conditions")
            guard case .array(let items)? = conditions else { Issue.record("no conditions"); return }
            #expect(items.count == adapters.count)
            // Recompute from the stored rows and compare with the stored status.
            let rows = try JSONCoding.decoder.decode(ListPage<AdapterStatus>.self, from: Data(list.body.utf8)).items
            let record = try JSONCoding.decoder.decode(Cluster.self, from: Data(stored.body.utf8))
            let fresh = StatusAggregation.aggregate(
                generation: record.generation, createdTime: record.createdTime, previous: record.status,
                statuses: rows, requiredAdapters: Self.requiredClusterAdapters, now: .now())
            #expect(fresh == record.status)
        }
    }
}

import NIOCore
