import Foundation
import HyperFleetCLI
@testable import HyperFleetClient
import HyperFleetJSON
import HyperFleetModel
import Testing

@Suite("hyperfleet client commands against a real API")
struct CLICommandTests {
    @Test("get clusters: a table with the columns, -l filters, -o json is the API's body byte for byte")
    func getClusters() async throws {
        try await CLIHarness.run { harness in
            let demo = try await harness.createCluster("demo", labels: ["env": "prod"])
            try await harness.createCluster("other", labels: ["env": "dev"])
            let id = try #require(demo.at("id")?.stringValue)

            let table = await harness.cli(["get", "clusters"])
            #expect(table.code == 0, "\(table.err)")
            let lines = table.out.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            for header in ["NAME", "ID", "GENERATION", "PHASE", "AGE", "LABELS"] { #expect(lines[0].contains(header)) }
            #expect(lines[1].hasPrefix("demo") && lines[1].contains(id) && lines[1].contains("env=prod"))
            #expect(lines[2].hasPrefix("other"))

            let filtered = await harness.cli(["get", "clusters", "-l", "env=prod"])
            #expect(filtered.code == 0)
            #expect(filtered.out.contains("demo") && !filtered.out.contains("other"))

            let one = await harness.cli(["get", "cluster", "demo", "-o", "json"])
            #expect(one.code == 0, "\(one.err)")
            #expect(one.out == (try await harness.rawGet("/clusters/\(id)")) + "\n")

            let list = await harness.cli(["get", "clusters", "-o", "json", "--search", "name='demo' or name='other'"])
            #expect(list.code == 0, "\(list.err)")
            let query = "?page=1&pageSize=500&search=" + "(name='demo' or name='other')".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                + "&orderBy=name%20asc"
            #expect(list.out == (try await harness.rawGet("/clusters" + query)) + "\n")

            let yaml = await harness.cli(["get", "clusters", "demo", "-o", "yaml"])
            #expect(yaml.code == 0)
            #expect(yaml.out.contains("name: demo") && yaml.out.contains("id: \(id)"))
        }
    }

    @Test("get nodepools: the CLUSTER column, --cluster by name; the table fits COLUMNS")
    func getNodePools() async throws {
        try await CLIHarness.run { harness in
            let cluster = try #require(try await harness.createCluster("alpha").at("id")?.stringValue)
            try await harness.createNodePool(cluster, "workers-with-a-rather-long-name-for-the-table")
            let run = await harness.cli(["get", "nodepools", "--cluster", "alpha"], environment: ["COLUMNS": "70"], width: 70)
            #expect(run.code == 0, "\(run.err)")
            let lines = run.out.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines[0].contains("CLUSTER"))
            #expect(lines.allSatisfy { $0.count <= 70 }, "\(run.out)")
            #expect(lines[1].contains("…"))
        }
    }

    @Test("describe: fields, labels, spec, conditions and the adapters' reports; -o json has resource and reconciliation")
    func describe() async throws {
        try await CLIHarness.run { harness in
            let cluster = try await harness.client.create(.cluster, body: .object([
                "kind": "Cluster", "name": "demo", "labels": .object(["team": "platform"]),
                "spec": .object(["platform": .object(["region": "eu-west-1"])]),
            ])).value
            let id = try #require(cluster.at("id")?.stringValue)
            let report = #"{"adapter":"dns","observed_generation":1,"observed_time":"\#(ISO8601DateFormatter().string(from: Date()))","conditions":[{"type":"Available","status":"True","reason":"Done","message":"records created"},{"type":"Applied","status":"True"},{"type":"Health","status":"True"}]}"#
            _ = try await harness.client.send(.POST, Paths.cluster(id) + "/statuses", body: try JSONValue.parse(report))

            let run = await harness.cli(["describe", "cluster", "demo"])
            #expect(run.code == 0, "\(run.err)")
            for expected in ["Name:", "demo", "ID:", id, "team=platform", "platform.region: eu-west-1", "Phase:", "Conditions:",
                             "Successful", "Adapters:", "dns", "AVAILABLE"] {
                #expect(run.out.contains(expected), "missing \(expected) in\n\(run.out)")
            }

            let json = await harness.cli(["describe", "cluster", id, "-o", "json"])
            #expect(json.code == 0)
            let value = try JSONValue.parse(json.out)
            #expect(value.at("resource.id")?.stringValue == id)
            #expect(value.at("reconciliation.adapters.0.name")?.stringValue == "dns")
        }
    }

    @Test("create -f from YAML and JSON: a cluster, a nodepool by --cluster, a nodepool by owner_references")
    func create() async throws {
        try await CLIHarness.run { harness in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hf-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let clusterFile = directory.appendingPathComponent("cluster.yaml").path
            try """
                kind: Cluster
                name: from-yaml
                labels:
                  env: "1"
                spec:
                  replicas: 3
                  enabled: true
                """.write(toFile: clusterFile, atomically: true, encoding: .utf8)
            let created = await harness.cli(["create", "-f", clusterFile])
            #expect(created.code == 0, "\(created.err)")
            #expect(created.out.hasPrefix("cluster from-yaml (") && created.out.contains("created, generation 1"))
            let cluster = try await harness.client.resolve(.cluster, "from-yaml").document.value
            #expect(cluster.at("labels.env") == .string("1"))
            #expect(cluster.at("spec.replicas") == .int(3))
            #expect(cluster.at("spec.enabled") == .bool(true))
            let clusterID = try #require(cluster.at("id")?.stringValue)

            let poolFile = directory.appendingPathComponent("pool.json").path
            try #"{"kind":"NodePool","name":"from-json","spec":{"replicas":2}}"#.write(toFile: poolFile, atomically: true, encoding: .utf8)
            let pool = await harness.cli(["create", "-f", poolFile, "--cluster", "from-yaml", "-o", "json"])
            #expect(pool.code == 0, "\(pool.err)")
            #expect(HyperFleetClient.ownerClusterID(try JSONValue.parse(pool.out)) == clusterID)

            // What `get -o yaml` printed, edited: read-only fields are dropped, the owner gives the cluster.
            let copy = await harness.cli(["get", "nodepool", "from-json", "-o", "yaml"])
            #expect(copy.code == 0, "\(copy.err)")
            let copyFile = directory.appendingPathComponent("copy.yaml").path
            try copy.out.replacingOccurrences(of: "name: from-json", with: "name: copied").write(toFile: copyFile, atomically: true, encoding: .utf8)
            let copied = await harness.cli(["create", "-f", copyFile])
            #expect(copied.code == 0, "\(copied.err)")
            #expect(copied.out.hasPrefix("nodepool copied ("))

            let orphanFile = directory.appendingPathComponent("orphan.yaml").path
            try "kind: NodePool\nname: orphan\n".write(toFile: orphanFile, atomically: true, encoding: .utf8)
            let orphan = await harness.cli(["create", "-f", orphanFile])
            #expect(orphan.code == 1)
            #expect(orphan.err.contains("--cluster"))
        }
    }

    @Test("patch applies a merge-patch; delete marks for deletion")
    func patchAndDelete() async throws {
        try await CLIHarness.run { harness in
            try await harness.createCluster("demo", labels: ["env": "dev", "team": "a"])
            let patched = await harness.cli(["patch", "cluster", "demo", "-p", #"{"spec":{"region":"eu-west-1"},"labels":{"team":null}}"#])
            #expect(patched.code == 0, "\(patched.err)")
            #expect(patched.out.contains("patched, generation 2"))
            let after = try await harness.client.resolve(.cluster, "demo").document.value
            #expect(after.at("spec.region") == .string("eu-west-1"))
            #expect(after.at("labels.team") == nil && after.at("labels.env") == .string("dev"))

            let badPatch = await harness.cli(["patch", "cluster", "demo", "-p", "[1]"])
            #expect(badPatch.code == 64)

            let deleted = await harness.cli(["delete", "cluster", "demo"])
            #expect(deleted.code == 0, "\(deleted.err)")
            #expect(deleted.out.contains("marked for deletion"))
            let deleting = try await harness.client.resolve(.cluster, "demo").document.value
            #expect(deleting.at("deleted_time")?.stringValue != nil)
            let table = await harness.cli(["get", "clusters"])
            #expect(table.out.contains("Deleting"))
        }
    }

    @Test("names: unknown -> 1, an ambiguous nodepool name -> 1 listing the matches, --cluster picks one, an id-shaped name")
    func nameResolution() async throws {
        try await CLIHarness.run { harness in
            let first = try #require(try await harness.createCluster("first").at("id")?.stringValue)
            let second = try #require(try await harness.createCluster("second").at("id")?.stringValue)
            let poolA = try #require(try await harness.createNodePool(first, "workers").at("id")?.stringValue)
            let poolB = try #require(try await harness.createNodePool(second, "workers").at("id")?.stringValue)

            let unknown = await harness.cli(["describe", "cluster", "nope"])
            #expect(unknown.code == 1)
            #expect(unknown.err.contains("cluster 'nope' not found"))

            let ambiguous = await harness.cli(["describe", "nodepool", "workers"])
            #expect(ambiguous.code == 1)
            #expect(ambiguous.err.contains("2 nodepools are named 'workers'"))
            #expect(ambiguous.err.contains(poolA) && ambiguous.err.contains(poolB) && ambiguous.err.contains(first))

            let picked = await harness.cli(["get", "nodepool", "workers", "--cluster", "second", "-o", "json"])
            #expect(picked.code == 0, "\(picked.err)")
            #expect(try JSONValue.parse(picked.out).at("id")?.stringValue == poolB)

            let byID = await harness.cli(["get", "nodepool", poolA, "-o", "json"])
            #expect(byID.code == 0, "\(byID.err)")
            #expect(byID.out == (try await harness.rawGet("/clusters/\(first)/nodepools/\(poolA)")) + "\n")

            // 32 characters of [0-9a-v] that are no cluster's id: tried as an id, then found as a name.
            let idShaped = String(repeating: "a", count: 32)
            try await harness.createCluster(idShaped)
            let named = await harness.cli(["get", "cluster", idShaped, "-o", "json"])
            #expect(named.code == 0, "\(named.err)")
            #expect(try JSONValue.parse(named.out).at("name")?.stringValue == idShaped)

            let quoted = await harness.cli(["get", "cluster", "it's"])
            #expect(quoted.code == 1)
            #expect(quoted.err.contains("cluster 'it's' not found"))
        }
    }

    @Test("errors: an API error -> 1 with its reason, a usage error -> 64, an unreachable server -> 1, clearly")
    func errors() async throws {
        try await CLIHarness.run { harness in
            try await harness.createCluster("demo")
            let conflict = await harness.cli(["patch", "cluster", "demo", "-p", #"{"spec":"not an object"}"#])
            #expect(conflict.code == 1)
            #expect(conflict.err.hasPrefix("error: "))
            #expect(conflict.err.contains("spec"))

            let badSearch = await harness.cli(["get", "clusters", "--search", "name=="])
            #expect(badSearch.code == 1)
            #expect(badSearch.err.hasPrefix("error: ") && badSearch.err.contains("search"))

            let usage = await harness.cli(["describe", "cluster"])
            #expect(usage.code == 64)
            #expect(usage.err.contains("Missing expected argument"))

            let badLabel = await harness.cli(["get", "clusters", "-l", "novalue"])
            #expect(badLabel.code == 64)

            let unreachable = await harness.cli(["get", "clusters"], server: "http://127.0.0.1:1")
            #expect(unreachable.code == 1)
            #expect(unreachable.err == "error: cannot reach the HyperFleet API at http://127.0.0.1:1: connection refused\n")
        }
    }

    @Test("the server from HYPERFLEET_SERVER when there is no --server")
    func serverFromEnvironment() async throws {
        try await CLIHarness.run { harness in
            try await harness.createCluster("demo")
            let capture = OutputCapture()
            let code = await ClientCommands.run(["get", "clusters"], in: capture.context(environment: ["HYPERFLEET_SERVER": harness.server + "/"]))
            #expect(code == 0, "\(capture.err)")
            #expect(capture.out.contains("demo"))
        }
    }

    @Test("get -w prints a row again when it changes, and stops when cancelled")
    func watch() async throws {
        try await CLIHarness.run { harness in
            try await harness.createCluster("demo", labels: ["env": "dev"])
            let capture = OutputCapture()
            let server = harness.server
            let watching = Task {
                await ClientCommands.run(["get", "clusters", "-w", "--interval", "0.05", "--server", server], in: capture.context())
            }
            #expect(await Self.eventually { capture.out.contains("env=dev") })
            _ = try await harness.client.patch(try await harness.client.resolve(.cluster, "demo").ref, mergePatch: .object(["labels": .object(["env": "prod"])]))
            #expect(await Self.eventually { capture.out.contains("env=prod") }, "\(capture.out)")
            watching.cancel()
            #expect(await watching.value == 0)
            let rows = capture.out.split(separator: "\n").filter { $0.hasPrefix("demo") }
            #expect(rows.count == 2, "the unchanged row printed again:\n\(capture.out)")
        }
    }

    /// Waits for a condition, checking every 20 ms, giving up after 30 s (a hang guard, not a timing claim).
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
