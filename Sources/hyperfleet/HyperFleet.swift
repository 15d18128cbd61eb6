import ArgumentParser
import HyperFleetCLI

@main
struct HyperFleet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hyperfleet",
        abstract: "HyperFleet: the control plane for Kubernetes clusters and their node pools.",
        discussion: """
            The API serves clusters, nodepools and adapter status reports over PostgreSQL; `migrate` prepares \
            the database. Configuration comes from a YAML file, then HYPERFLEET_* environment variables, then flags.
            """,
        subcommands: [APICommand.self, MigrateCommand.self, SentinelCommand.self, AdapterCommand.self, DevCommand.self] + ClientCommands.all
    )
}
