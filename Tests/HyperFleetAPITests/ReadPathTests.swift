import Foundation
import HyperFleetModel
import Postgres
import Testing

@testable import HyperFleetStore

/// GET by id through shared statements, bodies written from the stored JSON, and list totals reused
/// only while no write has committed.
@Suite("read path: batched GETs, stored JSON, reused totals")
struct ReadPathTests {
    static let clusters = "/api/hyperfleet/v1/clusters"

    func total(_ api: APIHarness, _ path: String) async throws -> Int64? {
        let reply = try await api.get(path)
        try #require(reply.status == 200, "\(path): \(reply.status) \(reply.body)")
        return try reply.int("total")
    }

    func prodSearch(_ extra: String = "") -> String {
        let expression = "labels.env='prod'" + extra
        return Self.clusters + "?search=" + expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    @Test func getReturnsWhatCreateReturned() async throws {
        try await APIHarness.run { api in
            let spec = #"{"text":"quote\" back\\ ünï ☃ 🚀","n":[1,2.5,-3,1e-7,12345678901234567890],"o":{"deep":{"x":null,"t":true}}}"#
            let created = try await api.createCluster("same-body", labels: ["env": "prod", "example.com/team": "core.a-b_c"], spec: spec)
            let id = try #require(created.at("id")?.stringValue)
            let fetched = try await api.get("\(Self.clusters)/\(id)")
            #expect(fetched.status == 200)
            #expect(try fetched.json() == created)
            for adapter in StatusTests.requiredClusterAdapters {
                try await api.report("\(Self.clusters)/\(id)", adapter: adapter, generation: 1)
            }
            // With conditions, through GET, the list and the model path (PATCH answers from the model).
            let ready = try await api.get("\(Self.clusters)/\(id)")
            #expect(try ready.string("status.phase") == "Ready")
            let patched = try await api.request(.patch, "\(Self.clusters)/\(id)", json: #"{"labels":{"env":"prod"}}"#)
            #expect(patched.status == 200)
            let listed = try await api.get("\(Self.clusters)?pageSize=1")
            #expect(try listed.value("items.0") == patched.json())
            let again = try await api.get("\(Self.clusters)/\(id)")
            #expect(try again.json() == patched.json())
        }
    }

    @Test func readsByIDKeepOneGenericPlanWhateverTheBatchSize() async throws {
        try await APIHarness.run { api in
            // Enough rows that an index probe per id is what a plan costs (a few rows cost the same either way).
            _ = try await api.pool.query("""
                INSERT INTO clusters (id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_last_transition_time, status_last_updated_time)
                SELECT lpad(to_hex(g), 32, '0'), 'bulk-' || g, '{}', 1, now(), now(), 'b@x.io', 'b@x.io', now(), now()
                FROM generate_series(1, 20000) g;
                """)
            _ = try await api.pool.query("""
                INSERT INTO nodepools (id, cluster_id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_last_transition_time, status_last_updated_time)
                SELECT 'n' || lpad(to_hex(g), 31, '0'), lpad('1', 32, '0'), 'bulk-' || g, '{}', 1, now(), now(), 'b@x.io', 'b@x.io', now(), now()
                FROM generate_series(1, 20000) g;
                """)
            _ = try await api.pool.query("ANALYZE clusters, nodepools")
            for (type, prefix) in [(ResourceType.clusters, "0"), (.nodepools, "n")] {
                let ids = (1...3).map { prefix + String(repeating: "0", count: 30) + String($0) }
                try await api.pool.withConnection { connection in
                    // Batches of different sizes, as under load; PostgreSQL tries five custom plans first.
                    for size in [1, 3, 2, 1, 3, 2, 1, 3, 2] {
                        let rows = try await connection.queryPrepared(type.readByIDsSQL, [SQLArray.literal(Array(ids.prefix(size)))])
                        #expect(rows.count == size)
                    }
                    let plans = try #require(
                        try await connection.query(
                            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1", [type.readByIDsSQL]
                        ).first)
                    // Planned once and reused, instead of planned again for every batch.
                    #expect(try plans.int("custom_plans") <= 5, "\(type)")
                    #expect(try plans.int("generic_plans") >= 4, "\(type)")
                }
            }
        }
    }

    @Test func concurrentGetsEachReceiveTheirOwnResource() async throws {
        try await APIHarness.run { api in
            var created: [String] = []
            for index in 0..<12 {
                created.append(try #require(try await api.createCluster("many-\(index)").at("id")?.stringValue))
            }
            let ids = created
            let cluster = ids[0]
            let nodePool = try #require(try await api.createNodePool(cluster, "pool-a").at("id")?.stringValue)
            let missing = ResourceID.generate(at: .now())
            let outcomes = try await withThrowingTaskGroup(of: (String, Int, String?).self) { group in
                for round in 0..<10 {
                    for id in ids + [missing] {
                        group.addTask {
                            let reply = try await api.get("\(Self.clusters)/\(id)")
                            return (id, reply.status, try reply.string("id") ?? "round \(round)")
                        }
                    }
                    group.addTask {
                        let reply = try await api.get("\(Self.clusters)/\(cluster)/nodepools/\(nodePool)")
                        return (nodePool, reply.status, try reply.string("id"))
                    }
                    group.addTask {
                        // The nodepool exists, but not under this cluster.
                        let reply = try await api.get("\(Self.clusters)/\(ids[1])/nodepools/\(nodePool)")
                        return ("elsewhere", reply.status, try reply.string("id"))
                    }
                }
                var all: [(String, Int, String?)] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.count == 10 * (ids.count + 3))
            for (asked, status, answered) in outcomes {
                switch asked {
                case missing: #expect(status == 404)
                case "elsewhere": #expect(status == 404 && answered == "7")
                default:
                    #expect(status == 200)
                    #expect(answered == asked)
                }
            }
        }
    }

    @Test func aReadAfterAWriteSeesIt() async throws {
        try await APIHarness.run { api in
            let id = try #require(try await api.createCluster("fresh").at("id")?.stringValue)
            for generation in 2...21 {
                // Keep other reads in flight, so the GET below may queue behind a statement already running.
                async let noise = api.get("\(Self.clusters)/\(id)")
                let patched = try await api.request(.patch, "\(Self.clusters)/\(id)", json: #"{"spec":{"g":\#(generation)}}"#)
                #expect(try patched.int("generation") == Int64(generation))
                #expect(try await api.get("\(Self.clusters)/\(id)").int("generation") == Int64(generation))
                _ = try await noise
            }
        }
    }

    @Test func listTotalsFollowEveryKindOfWrite() async throws {
        try await APIHarness.run { api in
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(try #require(try await api.createCluster("t-\(index)", labels: ["env": "prod"]).at("id")?.stringValue))
            }
            let readyProd = prodSearch(" and status.phase='Ready'")
            #expect(try await total(api, prodSearch()) == 3)
            #expect(try await total(api, prodSearch()) == 3) // reused
            #expect(try await total(api, readyProd) == 0)

            _ = try await api.createCluster("t-3", labels: ["env": "prod"])
            #expect(try await total(api, prodSearch()) == 4)

            for adapter in StatusTests.requiredClusterAdapters {
                try await api.report("\(Self.clusters)/\(ids[0])", adapter: adapter, generation: 1)
            }
            #expect(try await total(api, readyProd) == 1)

            _ = try await api.request(.patch, "\(Self.clusters)/\(ids[1])", json: #"{"labels":{"env":"dev"}}"#)
            #expect(try await total(api, prodSearch()) == 3)

            // Writes that bypass the API count too (triggers, not application code, record them).
            _ = try await api.pool.query("DELETE FROM clusters WHERE id = $1", [ids[2]])
            #expect(try await total(api, prodSearch()) == 2)
            #expect(try await total(api, Self.clusters) == 3)

            // A cascade from the parent changes the child list's total.
            let parent = ids[0]
            _ = try await api.createNodePool(parent, "np-a")
            _ = try await api.createNodePool(parent, "np-b")
            #expect(try await total(api, "/api/hyperfleet/v1/nodepools") == 2)
            #expect(try await total(api, "\(Self.clusters)/\(parent)/nodepools") == 2)
            _ = try await api.pool.query("DELETE FROM clusters WHERE id = $1", [parent])
            #expect(try await total(api, "/api/hyperfleet/v1/nodepools") == 0)
            #expect(try await total(api, Self.clusters) == 2)
        }
    }

    /// Lists that arrive together after a write may share one count; each still gets the exact total
    /// of what its page saw.
    @Test func concurrentListsAfterEachWriteAgreeWithTheirItems() async throws {
        try await APIHarness.run { api in
            for created in 1...8 {
                _ = try await api.createCluster("burst-\(created)", labels: ["env": "prod"])
                let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                    for _ in 0..<16 {
                        group.addTask { try await api.get(prodSearch() + "&pageSize=100") }
                    }
                    var replies: [Reply] = []
                    for try await reply in group { replies.append(reply) }
                    return replies
                }
                for reply in replies {
                    #expect(reply.status == 200)
                    #expect(try reply.int("total") == Int64(created))
                    #expect(try reply.int("size") == Int64(created))
                }
            }
        }
    }

    /// Many writes pile up change rows; a count folds them into one row with the same sum.
    @Test func changeRowsAreFoldedWithoutChangingTheVersion() async throws {
        try await APIHarness.run { api in
            for index in 0..<70 {
                _ = try await api.createCluster("fold-\(index)")
            }
            func changes() async throws -> (rows: Int64, sum: Int64) {
                let row = try #require(try await api.pool.query(
                    "SELECT count(*) AS rows, coalesce(sum(weight), 0) AS sum FROM hyperfleet_list_changes WHERE resource_type = 'clusters'"
                ).first)
                return (try row.int("rows"), try row.int("sum"))
            }
            let before = try await changes()
            #expect(before.rows >= 70)
            #expect(try await total(api, Self.clusters) == 70)
            let after = try await changes()
            #expect(after.rows == 1)
            #expect(after.sum == before.sum)
            _ = try await api.createCluster("fold-70")
            #expect(try await total(api, Self.clusters) == 71)

            // The API's periodic fold, for deployments that write and never list: only above the threshold.
            try await api.store.foldListChanges()
            #expect(try await changes().rows == 2)
            for index in 71..<141 {
                _ = try await api.createCluster("fold-\(index)")
            }
            let piled = try await changes()
            try await api.store.foldListChanges()
            let folded = try await changes()
            #expect(folded.rows == 1)
            #expect(folded.sum == piled.sum)
            #expect(try await total(api, Self.clusters) == 141)
        }
    }
}
