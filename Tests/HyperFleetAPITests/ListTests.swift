import Foundation
import HyperFleetModel
import Testing

@Suite("lists: paging, ordering, search")
struct ListTests {
    /// Five clusters with labels, two of them Ready.
    static func seed(_ api: APIHarness) async throws -> [String] {
        var ids: [String] = []
        let envs = ["prod", "prod", "staging", "dev", "prod"]
        for (index, env) in envs.enumerated() {
            var labels = ["env": env]
            if index == 1 { labels["example.com/team"] = "core" }
            let cluster = try await api.createCluster("c\(index)-name", labels: labels)
            ids.append(try #require(cluster.at("id")?.stringValue))
        }
        for id in [ids[0], ids[2]] {
            for adapter in StatusTests.requiredClusterAdapters {
                try await api.report("/api/hyperfleet/v1/clusters/\(id)", adapter: adapter, generation: 1)
            }
        }
        return ids
    }

    func names(_ reply: Reply) throws -> [String] {
        guard case .array(let items)? = try reply.value("items") else { return [] }
        return items.compactMap { $0.at("name")?.stringValue }
    }

    func search(_ api: APIHarness, _ expression: String, extra: String = "") async throws -> Reply {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        return try await api.get("/api/hyperfleet/v1/clusters?search=\(encoded)&orderBy=name&order=asc\(extra)")
    }

    @Test func pagingIsStableAndPastTheEndIsEmpty() async throws {
        try await APIHarness.run { api in
            _ = try await Self.seed(api)
            var seen: [String] = []
            for page in 1...3 {
                let reply = try await api.get("/api/hyperfleet/v1/clusters?page=\(page)&pageSize=2&orderBy=name&order=asc")
                #expect(try reply.int("total") == 5)
                #expect(try reply.int("page") == Int64(page))
                seen += try names(reply)
            }
            #expect(seen == ["c0-name", "c1-name", "c2-name", "c3-name", "c4-name"])
            let past = try await api.get("/api/hyperfleet/v1/clusters?page=9&pageSize=2")
            #expect(try past.int("size") == 0)
            #expect(try past.int("total") == 5)
            // Default order: newest first.
            let newest = try await api.get("/api/hyperfleet/v1/clusters?pageSize=1")
            #expect(try names(newest) == ["c4-name"])
            let byTwo = try await api.get("/api/hyperfleet/v1/clusters?orderBy=status.phase%20desc,name%20asc")
            #expect(try names(byTwo) == ["c0-name", "c2-name", "c1-name", "c3-name", "c4-name"])
        }
    }

    @Test(arguments: [
        "page=0", "page=abc", "pageSize=0", "pageSize=1001", "pageSize=-3", "orderBy=spec", "orderBy=name%20sideways",
        "order=up", "search=name%20%3D%20%27unterminated", "search=nosuchfield%20%3D%201", "search=generation%20%3D%20%27x%27",
    ])
    func badListParameters(query: String) async throws {
        try await APIHarness.run { api in
            let reply = try await api.get("/api/hyperfleet/v1/clusters?\(query)")
            #expect(reply.status == 400, "\(query) -> \(reply.body)")
            #expect(reply.errorCode == "21", "\(query) -> \(reply.body)")
            #expect(!reply.body.lowercased().contains("syntax error at or near"))
        }
    }

    /// Pages far past the end are empty, not a crash: the largest accepted page times the largest page
    /// size is computed without overflow, and a page outside 32-bit range is a 400 naming the field.
    /// (`page=9223372036854775807&pageSize=1000` trapped the whole process before.)
    @Test func extremePagesNeverCrashAndOutOfRangeIsRejected() async throws {
        try await APIHarness.run { api in
            _ = try await api.createCluster("only")
            for path in ["/api/hyperfleet/v1/clusters", "/api/hyperfleet/v1/nodepools"] {
                let farthest = try await api.get("\(path)?page=2147483647&pageSize=1000")
                #expect(farthest.status == 200, "\(farthest.body)")
                #expect(try names(farthest).isEmpty)
                #expect(try farthest.int("page") == 2_147_483_647)
                for page in ["9223372036854775807", "2147483648", "-9223372036854775808", "99999999999999999999999"] {
                    let reply = try await api.get("\(path)?page=\(page)&pageSize=1000")
                    #expect(reply.status == 400, "page=\(page) -> \(reply.body)")
                    #expect(reply.errorCode == "21")
                    #expect(try reply.string("details.0.field") == "page", "\(reply.body)")
                }
                let size = try await api.get("\(path)?pageSize=9223372036854775807")
                #expect(size.status == 400, "\(size.body)")
                #expect(try size.string("details.0.field") == "pageSize")
            }
            #expect(try await api.get("/api/hyperfleet/v1/clusters").int("total") == 1)
        }
    }

    @Test func searchOperators() async throws {
        try await APIHarness.run { api in
            _ = try await Self.seed(api)
            let cases: [(String, [String])] = [
                ("labels.env = 'prod'", ["c0-name", "c1-name", "c4-name"]),
                ("labels.env='prod' and status.phase='Ready'", ["c0-name"]),
                ("labels.env != 'prod'", ["c2-name", "c3-name"]),
                ("labels.env <> 'prod'", ["c2-name", "c3-name"]),
                ("labels.env in ('dev', 'staging')", ["c2-name", "c3-name"]),
                ("labels.env not in ('dev', 'staging')", ["c0-name", "c1-name", "c4-name"]),
                ("name like 'c1%'", ["c1-name"]),
                ("name ilike 'C_-NAME'", ["c0-name", "c1-name", "c2-name", "c3-name", "c4-name"]),
                ("name not like 'c1%'", ["c0-name", "c2-name", "c3-name", "c4-name"]),
                ("status.phase = 'Ready' or labels.env = 'dev'", ["c0-name", "c2-name", "c3-name"]),
                ("not status.phase = 'Ready'", ["c1-name", "c3-name", "c4-name"]),
                ("labels.env = 'dev' or labels.env = 'staging' and status.phase = 'Ready'", ["c2-name", "c3-name"]),
                ("(labels.env = 'dev' or labels.env = 'staging') and status.phase = 'NotReady'", ["c3-name"]),
                ("labels.'example.com/team' = 'core'", ["c1-name"]),
                ("labels.example.com/team is not null", ["c1-name"]),
                ("labels.example.com/team is null and labels.env = 'prod'", ["c0-name", "c4-name"]),
                ("generation between 1 and 1", ["c0-name", "c1-name", "c2-name", "c3-name", "c4-name"]),
                ("generation > 1", []),
                ("status.observed_generation >= 1", ["c0-name", "c2-name"]),
                ("status.conditions.ValidationSuccessful = 'True'", ["c0-name", "c2-name"]),
                ("created_time > '2000-01-01T00:00:00Z'", ["c0-name", "c1-name", "c2-name", "c3-name", "c4-name"]),
                ("NAME = 'c1-name' OR name = 'c2-name'", []),
                ("name = 'c1-name' OR name = 'c2-name'", ["c1-name", "c2-name"]),
                ("kind = 'Cluster' AND NOT name IN ('c0-name')", ["c1-name", "c2-name", "c3-name", "c4-name"]),
            ]
            for (expression, expected) in cases {
                let reply = try await search(api, expression)
                if expression.hasPrefix("NAME") {
                    // Field names are case-sensitive: an unknown field is a 400 naming it.
                    #expect(reply.status == 400, "\(expression)")
                    continue
                }
                #expect(reply.status == 200, "\(expression) -> \(reply.body)")
                #expect(try names(reply) == expected, "\(expression)")
                #expect(try reply.int("total") == Int64(expected.count), "\(expression)")
            }
        }
    }

    @Test func injectionIsRejectedAndDataIntact() async throws {
        try await APIHarness.run { api in
            _ = try await Self.seed(api)
            for attack in ["name = '' or '1'='1", "' or '1'='1", "name = 'x'; drop table clusters; --", "name = 'a' or 1=1 --'"] {
                let reply = try await search(api, attack)
                let total = try reply.int("total")
                #expect(reply.status == 400 || (reply.status == 200 && total == 0), "\(attack) -> \(reply.body)")
            }
            // A quote inside a string literal is just a character.
            let quoted = try await search(api, "name = 'it''s'")
            #expect(quoted.status == 200)
            #expect(try quoted.int("total") == 0)
            #expect(try await api.get("/api/hyperfleet/v1/clusters").int("total") == 5)
            let unknown = try await search(api, "spec.region = 'x'")
            #expect(unknown.status == 400)
            #expect(unknown.body.contains("spec.region"))
        }
    }

    @Test func nodePoolSearchIsScopedToItsCluster() async throws {
        try await APIHarness.run { api in
            let a = try #require(try await api.createCluster("scope-a").at("id")?.stringValue)
            let b = try #require(try await api.createCluster("scope-b").at("id")?.stringValue)
            _ = try await api.createNodePool(a, "np-a", labels: ["pool": "x"])
            _ = try await api.createNodePool(b, "np-b", labels: ["pool": "x"])
            let encoded = "labels.pool%20%3D%20%27x%27%20or%20name%20%3D%20%27np-b%27"
            let scoped = try await api.get("/api/hyperfleet/v1/clusters/\(a)/nodepools?search=\(encoded)")
            #expect(try scoped.int("total") == 1)
            #expect(try names(scoped) == ["np-a"])
            let all = try await api.get("/api/hyperfleet/v1/nodepools?search=\(encoded)")
            #expect(try all.int("total") == 2)
            let byOwner = try await api.get("/api/hyperfleet/v1/nodepools?search=owner_references.id%20%3D%20%27\(b)%27")
            #expect(try names(byOwner) == ["np-b"])
        }
    }
}
