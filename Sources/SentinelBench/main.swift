import ArgumentParser

// sentinel-bench: see SentinelBenchCommand and benchmarks/sentinel-bench.sh.
// Run from an async function: in top-level code `main()`/`run()` resolve to ParsableCommand's
// synchronous versions, whose default `run()` only prints help. `--help` arrives as a CleanExit
// error and is printed by exit(withError:).
func runSentinelBench() async {
    do {
        let command = try SentinelBenchCommand.parse()
        try await command.run()
    } catch {
        SentinelBenchCommand.exit(withError: error)
    }
}

await runSentinelBench()
