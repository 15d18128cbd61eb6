import ArgumentParser
import Foundation
import Logging
import Postgres

/// `sentinel-bench`: the Sentinel's benchmarks (SENTINEL.md "Scale", ENGINEERING.md "Benchmarks").
struct SentinelBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentinel-bench",
        abstract: "Measure the Sentinel: one look at 1M vs 10k clusters, create -> event, 10k due -> recorded, the rules over an hour.",
        discussion: "Creates and drops its own databases through the admin URL. Build with -c release.")

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case look, reaction, throughput, rules
    }

    @Option(name: .long, help: "Admin connection string (CREATE/DROP DATABASE), e.g. postgresql://postgres@127.0.0.1:5432/postgres.")
    var databaseURL = ""

    @Flag(name: .long, help: "Measure nothing: serve the librdkafka mock cluster (topics created), print 'BOOTSTRAP host:port', run until SIGTERM (benchmarks/write-bench.sh).")
    var serveMockKafka = false

    @Option(name: .long, help: "Run only these parts (repeatable): look, reaction, throughput, rules.")
    var only: [Part] = []

    @Option(name: .long, help: "Total clusters of the large look.")
    var largeClusters = 1_000_000

    @Option(name: .long, help: "Total clusters of the small look.")
    var smallClusters = 10_000

    @Option(name: .long, help: "Due clusters in each look.")
    var due = 1_000

    @Option(name: .long, help: "Timed looks per size.")
    var lookRepetitions = 15

    @Option(name: .long, help: "Engine batch size for the look (>= --due, so one look takes them all).")
    var lookBatchSize = 1_000

    @Option(name: .long, help: "Sequential creations of the reaction benchmark.")
    var creations = 1_000

    @Option(name: .long, help: "Sequential reconcile-now requests after the creations of the reaction benchmark (0: none).")
    var reconcileRequests = 1_000

    @Option(name: .long, help: "Due clusters of the throughput benchmark.")
    var throughputResources = 10_000

    @Option(name: .long, help: "Engine batch sizes of the throughput benchmark (repeatable).")
    var batchSize: [Int] = [500, 2_000]

    @Option(name: .long, help: "Runs per batch size of the throughput benchmark.")
    var throughputRuns = 2

    @Option(name: .long, help: "Resources of each kind in the rules simulation.")
    var simulatedResources = 1_000

    @Option(name: .long, help: "Required cluster adapters (comma-separated), as in config/api.yaml.")
    var requiredAdapters = "validation,dns,pullsecret,hypershift"

    @Flag(name: .long, help: "Load no adapter status rows (by default one per required adapter per cluster).")
    var noAdapterStatuses = false

    @Flag(name: .long, help: "Keep the benchmark databases.")
    var keepDatabases = false

    func validate() throws {
        if serveMockKafka { return }
        guard !databaseURL.isEmpty else { throw ValidationError("--database-url is required") }
        guard lookBatchSize >= due else { throw ValidationError("--look-batch-size must be at least --due") }
        guard smallClusters >= due, largeClusters >= due, due > 0 else { throw ValidationError("totals must be at least --due (> 0)") }
        guard !batchSize.isEmpty, batchSize.allSatisfy({ $0 > 0 }) else { throw ValidationError("--batch-size must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "sentinel-bench")
        logger.logLevel = .critical
        if serveMockKafka { return try await MockKafkaServer.serve(logger: logger) }
        let parts = Set(only.isEmpty ? Part.allCases : only)
        let adapters = requiredAdapters.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let statuses = !noAdapterStatuses

        say("== HyperFleet Sentinel benchmark  \(ISO8601DateFormatter().string(from: Date()))")
        say("machine     \(Machine.summary)")
        let version = try await BenchDatabase.adminVersion(databaseURL, logger: logger)
        say("postgresql  \(version)")
        say("parameters  look: \(Format.int(largeClusters)) and \(Format.int(smallClusters)) clusters, \(Format.int(due)) due, \(lookRepetitions) reps, batch \(lookBatchSize);")
        say("            reaction: \(Format.int(creations)) creations, \(Format.int(reconcileRequests)) reconcile requests; throughput: \(Format.int(throughputResources)) due, batches \(batchSize.map(String.init).joined(separator: "/")), \(throughputRuns) run(s);")
        say("            rules: \(Format.int(simulatedResources)) NotReady + \(Format.int(simulatedResources)) Ready-stale, 1 simulated hour;")
        say("            required cluster adapters \(adapters.joined(separator: ",")), adapter status rows \(statuses ? "yes" : "no")")
        say()

        var summary: [String] = []
        if parts.contains(.look) {
            let results = try await LookBenchmark(
                admin: databaseURL, sizes: [smallClusters, largeClusters], due: due, repetitions: lookRepetitions, batchSize: lookBatchSize,
                adapters: adapters, statuses: statuses, keep: keepDatabases, logger: logger
            ).run()
            say()
            if let small = results.first, let large = results.last {
                let ratio = large.sample.median / max(small.sample.median, 0.001)
                for result in results {
                    summary.append("look at \(Format.int(result.clusters)) clusters".padding(toLength: 33, withPad: " ", startingAt: 0)
                        + "median \(Format.ms(result.sample.median)) ms, p90 \(Format.ms(result.sample.percentile(90))) ms"
                        + (result.serverMilliseconds.map { " (server \(Format.ms($0)) ms)" } ?? "")
                        + ", client CPU \(Format.ms(result.cpu.median)) ms; peak RSS during looks \(Format.mib(kilobytes: result.peakDuringLooks)), "
                        + "maxrss \(Format.mib(kilobytes: result.maxRSSAfter))")
                }
                summary.append("look ratio \(Format.int(large.clusters)) / \(Format.int(small.clusters))".padding(toLength: 33, withPad: " ", startingAt: 0)
                    + "\(String(format: "%.2f", ratio)) (goal ~1); large median \(large.sample.median <= 50 ? "<=" : ">") 50 ms goal: \(large.sample.median <= 50 ? "met" : "MISSED")")
            }
        }
        if parts.contains(.throughput) {
            let results = try await ThroughputBenchmark(
                admin: databaseURL, resources: throughputResources, batchSizes: batchSize, runs: throughputRuns, adapters: adapters,
                statuses: statuses, keep: keepDatabases, logger: logger
            ).run()
            say()
            for size in batchSize {
                let mine = results.runs.filter { $0.batchSize == size }
                guard let best = mine.max(by: { $0.eventsPerSecond < $1.eventsPerSecond }) else { continue }
                let all = mine.map { Format.int(Int($0.eventsPerSecond)) }.joined(separator: ", ")
                summary.append("\(Format.int(throughputResources)) due, batch \(size)".padding(toLength: 33, withPad: " ", startingAt: 0)
                    + "\(all) events/s (best \(Format.ms(best.elapsed.inMilliseconds)) ms); goal >= 5,000/s: \(best.eventsPerSecond >= 5000 ? "met" : "MISSED")")
                if let alone = results.producerAlone[size] {
                    let ratio = best.eventsPerSecond / alone
                    summary.append("  vs the producer alone".padding(toLength: 33, withPad: " ", startingAt: 0)
                        + "\(Format.int(Int(alone))) messages/s (same events, batch \(size)): \(String(format: "%.1f", ratio * 100)) %; "
                        + "goal >= 50 %: \(ratio >= 0.5 ? "met" : "MISSED")")
                }
            }
            // benchmarks/sentinel-bench.sh sets this when it turned loopback's delayed ACKs off.
            if ProcessInfo.processInfo.environment["HF_BENCH_LOOPBACK_QUICKACK"] != "1" {
                summary.append("  (loopback's delayed ACKs were on: the mock broker and the producer can stall about 40 ms per exchange at some")
                summary.append("   batch sizes, on both sides of the ratio; BENCH_QUICKACK=1 benchmarks/sentinel-bench.sh turns them off)")
            }
        }
        if parts.contains(.reaction) {
            let result = try await ReactionBenchmark(
                admin: databaseURL, creations: creations, requests: reconcileRequests, adapters: adapters, keep: keepDatabases, logger: logger
            ).run()
            say()
            let p99 = result.recorded.percentile(99)
            summary.append("create -> recorded (\(Format.int(result.recorded.count)))".padding(toLength: 33, withPad: " ", startingAt: 0)
                + "p50 \(Format.ms(result.recorded.median)) ms, p99 \(Format.ms(p99)) ms; goal p99 <= 100 ms: \(p99 <= 100 && result.timeouts == 0 ? "met" : "MISSED")")
            summary.append("create -> consumed (\(Format.int(result.consumed.count)))".padding(toLength: 33, withPad: " ", startingAt: 0)
                + "p50 \(Format.ms(result.consumed.median)) ms, p99 \(Format.ms(result.consumed.percentile(99))) ms")
            if reconcileRequests > 0 {
                let requestP99 = result.reconcile.percentile(99)
                summary.append("reconcile -> recorded (\(Format.int(result.reconcile.count)))".padding(toLength: 33, withPad: " ", startingAt: 0)
                    + "p50 \(Format.ms(result.reconcile.median)) ms, p99 \(Format.ms(requestP99)) ms; goal p99 <= 100 ms: "
                    + "\(requestP99 <= 100 && result.reconcileTimeouts == 0 ? "met" : "MISSED")")
            }
        }
        if parts.contains(.rules) {
            let counts = RulesSimulation(resources: simulatedResources).run()
            say("== 4. One simulated hour of the rules (SentinelCore.DecisionRules, default settings), \(Format.int(simulatedResources)) resources each")
            say("   NotReady, adapters silent:  \(Format.int(counts.notReady)) events (\(Format.one(Double(counts.notReady) / Double(simulatedResources)))/resource); "
                + "Go rules \(Format.int(counts.goNotReady)); Go/ours = \(Format.one(Double(counts.goNotReady) / Double(max(counts.notReady, 1))))")
            say("     one resource's events at (s): \(counts.notReadyTimeline.map { String(format: "%.0f", $0) }.joined(separator: ", "))")
            say("   Ready, adapter died at 0:   \(Format.int(counts.readyStale)) events (\(Format.one(Double(counts.readyStale) / Double(simulatedResources)))/resource); "
                + "Go rules \(Format.int(counts.goReadyStale)); Go/ours = \(Format.one(Double(counts.goReadyStale) / Double(max(counts.readyStale, 1))))")
            say()
            summary.append("rules, 1 h, NotReady silent      \(Format.int(counts.notReady)) events vs Go \(Format.int(counts.goNotReady)) (x\(Format.one(Double(counts.goNotReady) / Double(max(counts.notReady, 1)))) fewer)")
            summary.append("rules, 1 h, Ready adapter dead   \(Format.int(counts.readyStale)) events vs Go \(Format.int(counts.goReadyStale)) (x\(Format.one(Double(counts.goReadyStale) / Double(max(counts.readyStale, 1)))) fewer)")
        }
        say("== Summary")
        for line in summary { say("   " + line) }
        say("   process max RSS at exit: \(Format.mib(kilobytes: ProcessMemory.maxResidentKilobytes()))")
    }
}

extension BenchDatabase {
    /// The server version, asked through the admin URL.
    static func adminVersion(_ admin: String, logger: Logger) async throws -> String {
        let rows = try await PostgresPool.runOnce(
            admin,
            "SELECT version() AS v, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc, current_setting('shared_buffers') AS sb",
            applicationName: "sentinel-bench-admin", logger: logger)
        guard let row = rows.first else { return "?" }
        return "\(row["v"] ?? "?"); fsync=\(row["fsync"] ?? "?") synchronous_commit=\(row["sc"] ?? "?") shared_buffers=\(row["sb"] ?? "?")"
    }
}
