import ArgumentParser
import HyperFleetCLI

@main
struct HyperFleet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hyperfleet",
        abstract: "HyperFleet: the control plane for Kubernetes clusters and their node pools.",
        discussion: """
            The API serves clusters, nodepools and adapter status reports over PostgreSQL; `migrate` prepares \
            the database; `sentinel` publishes reconcile events; `adapter` runs a reference adapter; `dev` runs \
            everything locally. Server configuration comes from a YAML file, then the role's environment variables \
            (HYPERFLEET_API_*, HYPERFLEET_SENTINEL_*, HYPERFLEET_ADAPTER_*, HYPERFLEET_DEV_*), then flags. \
            `get`, `describe`, `create`, `patch` and `delete` are a client of the API (--server, default \
            http://127.0.0.1:8000, what `dev` serves).
            """,
        subcommands: [APICommand.self, MigrateCommand.self, SentinelCommand.self, AdapterCommand.self, DevCommand.self] + ClientCommands.all
    )
}
