import ArgumentParser
import HyperFleetClient

/// `cluster|nodepool NAME|ID [--cluster NAME|ID]`: the one resource that describe, patch and delete act on.
struct ResourceArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("cluster or nodepool.", valueName: "type"))
    var type: ResourceTypeArgument

    @Argument(help: ArgumentHelp("The resource's name or id.", valueName: "name-or-id"))
    var name: String

    @Option(help: ArgumentHelp("The nodepool's cluster (name or id); needed when its name is not unique.", valueName: "name-or-id"))
    var cluster: String?

    func validate() throws {
        if type.kind == .cluster, cluster != nil { throw ValidationError("--cluster applies to nodepools only") }
    }

    var kind: ResourceKind { type.kind }

    func resolve(with client: HyperFleetClient) async throws(ClientError) -> ResolvedResource {
        try await client.resolve(type.kind, name, cluster: cluster)
    }
}

/// `-o table|json|yaml` with the connection options, shared by every command that prints one resource.
struct OutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")], help: "table (for people), json (the API's body) or yaml.")
    var output: OutputFormat = .table

    @OptionGroup var connection: ConnectionOptions
}

extension CLIContext {
    /// Runs a command's work on the resource its arguments name, with a client for the chosen server;
    /// failures end the command as `perform` does.
    func perform(
        on target: ResourceArguments, _ options: OutputOptions,
        _ body: (CLIContext, HyperFleetClient, ResolvedResource) async throws(ClientError) -> Void
    ) async throws {
        try await perform { (context: CLIContext) async throws(ClientError) in
            let client = try options.connection.client(in: context)
            try await body(context, client, try await target.resolve(with: client))
        }
    }
}
