import Foundation
import HyperFleetCLI
@testable import HyperFleetClient
import HyperFleetJSON
import HyperFleetModel
import Testing

@Suite("hyperfleet reconcile, pause, resume and describe's reconciliation against a real API")
struct CLIControlTests {
    @Test("reconcile, pause, resume by name and by id; a nodepool with --cluster; one line each, or the API's body")
    func controls() async throws {
        try await CLIHarness.run { harness in
            let clusterID = try #require(try await harness.createCluster("demo").at("id")?.stringValue)
            let poolID = try #require(try await harness.createNodePool(clusterID, "workers").at("id")?.stringValue)

            let reconcile = await harness.cli(["reconcile", "cluster", "demo", "--reason", "after the fix"])
            #expect(reconcile.code == 0, "\(reconcile.err)")
            #expect(reconcile.out == "cluster demo (\(clusterID)): reconcile requested\n")
            let view = try await harness.client.reconciliation(.cluster(id: clusterID)).value
            #expect(view.at("pending_request") == .bool(true))
            #expect(view.at("history.0.reason")?.stringValue == "after the fix")

            let paused = await harness.cli(["pause", "cluster", clusterID, "--reason", "incident"])
            #expect(paused.code == 0, "\(paused.err)")
            #expect(paused.out == "cluster demo (\(clusterID)): paused\n")
            let again = await harness.cli(["pause", "cluster", "demo"])
            #expect(again.out == "cluster demo (\(clusterID)): already paused\n")
            let resumed = await harness.cli(["resume", "cluster", "demo"])
            #expect(resumed.out == "cluster demo (\(clusterID)): resumed\n")
            let notPaused = await harness.cli(["resume", "cluster", "demo"])
            #expect(notPaused.out == "cluster demo (\(clusterID)): not paused\n")

            let pool = await harness.cli(["pause", "nodepool", "workers", "--cluster", "demo"])
            #expect(pool.code == 0, "\(pool.err)")
            #expect(pool.out == "nodepool workers (\(poolID)): paused\n")
            let json = await harness.cli(["resume", "nodepool", poolID, "--cluster", clusterID, "-o", "json"])
            #expect(json.code == 0, "\(json.err)")
            let body = try JSONValue.parse(json.out)
            #expect(body.at("kind")?.stringValue == "Reconciliation")
            #expect(body.at("paused") == .bool(false))
            // What -o json printed is the API's document: the same as a GET right after (nothing changed since).
            #expect(json.out == (try await harness.rawGet("/clusters/\(clusterID)/nodepools/\(poolID)/reconciliation")) + "\n")
            let yaml = await harness.cli(["reconcile", "nodepool", "workers", "--cluster", "demo", "-o", "yaml"])
            #expect(yaml.code == 0)
            #expect(yaml.out.contains("kind: Reconciliation") && yaml.out.contains("pending_request: true"))
        }
    }

    @Test("control errors: an ambiguous name -> 1 listing the matches, an API error -> 1 with its reason, no name -> 64")
    func controlErrors() async throws {
        try await CLIHarness.run { harness in
            let first = try #require(try await harness.createCluster("first").at("id")?.stringValue)
            let second = try #require(try await harness.createCluster("second").at("id")?.stringValue)
            try await harness.createNodePool(first, "workers")
            try await harness.createNodePool(second, "workers")

            let ambiguous = await harness.cli(["pause", "nodepool", "workers"])
            #expect(ambiguous.code == 1)
            #expect(ambiguous.err.contains("2 nodepools are named 'workers'"))
            #expect(ambiguous.err.contains(first) && ambiguous.err.contains(second))

            let long = await harness.cli(["reconcile", "cluster", "first", "--reason", String(repeating: "x", count: 257)])
            #expect(long.code == 1)
            #expect(long.err.hasPrefix("error: ") && long.err.contains("reason"))
            #expect(long.err.contains("at most 256 characters"))

            let unknown = await harness.cli(["resume", "cluster", "nope"])
            #expect(unknown.code == 1)
            #expect(unknown.err.contains("cluster 'nope' not found"))

            #expect(await harness.cli(["describe", "cluster"]).code == 64)
            #expect(await harness.cli(["pause", "cluster"]).code == 64)
            #expect(await harness.cli(["reconcile", "cluster", "first", "--cluster", "x"]).code == 64)
        }
    }

    @Test("describe: the adapters, the reconciliation and the history; -o json is the API's resource and reconciliation")
    func describeReconciliation() async throws {
        try await CLIHarness.run { harness in
            let clusterID = try #require(try await harness.createCluster("demo").at("id")?.stringValue)
            let report = #"{"adapter":"dns","observed_generation":1,"observed_time":"\#(Timestamp.now().rfc3339)","conditions":[{"type":"Available","status":"False","reason":"Waiting","message":"zone pending"},{"type":"Applied","status":"True"},{"type":"Health","status":"True"}]}"#
            _ = try await harness.client.send(.POST, Paths.cluster(clusterID) + "/statuses", body: try JSONValue.parse(report))
            #expect(await harness.cli(["pause", "cluster", "demo", "--reason", "incident 7"]).code == 0)
            #expect(await harness.cli(["reconcile", "cluster", "demo"]).code == 0)
            #expect(await harness.cli(["delete", "cluster", "demo"]).code == 0)

            let run = await harness.cli(["describe", "cluster", "demo"], width: 160)
            #expect(run.code == 0, "\(run.err)")
            for expected in [
                "Adapters:", "REQUIRED", "OBSERVED GEN", "CURRENT", "STALE", "never",
                "Reconciliation:", "Paused:", "by system@hyperfleet.local: incident 7", "Deletion:", "held until resume",
                "Reconcile request:", "pending", "Last event:", "<none>", "Next:", "nothing while paused", "Attempts:",
                "Blocking Ready:", "dns: has not observed the current generation", "validation: never reported",
                "History (newest first):", "reconcile", "pause",
            ] {
                #expect(run.out.contains(expected), "missing \(expected) in\n\(run.out)")
            }
            let historyLines = run.out.split(separator: "\n").drop { !$0.hasPrefix("History") }
            let actions = historyLines.dropFirst(2).map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first.map(String.init) ?? "" }
            #expect(actions == ["reconcile", "pause"], "\(run.out)")
            #expect(run.out.split(separator: "\n").allSatisfy { $0.count <= 160 })

            let json = await harness.cli(["describe", "cluster", "demo", "-o", "json"])
            #expect(json.code == 0, "\(json.err)")
            let resource = try await harness.rawGet("/clusters/\(clusterID)")
            let reconciliation = try await harness.rawGet("/clusters/\(clusterID)/reconciliation")
            #expect(json.out == #"{"resource":\#(resource),"reconciliation":\#(reconciliation)}"# + "\n")
        }
    }
}
