import ArgumentParser

/// The client commands, for the `hyperfleet` executable's subcommand list and for running in-process.
public enum ClientCommands {
    public static var all: [any ParsableCommand.Type] {
        [
            GetCommand.self, DescribeCommand.self, CreateCommand.self, PatchCommand.self, DeleteCommand.self,
            ReconcileCommand.self, PauseCommand.self, ResumeCommand.self,
        ]
    }

    /// Parses and runs one client command line in `context`, as the executable would, and returns its exit
    /// code: 0, 1 for a failure the command reported, 64 for a usage error (its message on the error output).
    public static func run(_ arguments: [String], in context: CLIContext) async -> Int32 {
        await CLIContext.$current.withValue(context) {
            do {
                var command = try Root.parseAsRoot(arguments)
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                return 0
            } catch {
                let message = Root.fullMessage(for: error)
                if !message.isEmpty { context.output.printError(message) }
                return Root.exitCode(for: error).rawValue
            }
        }
    }

    /// A root with the client commands only, named like the executable so that messages read the same.
    struct Root: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "hyperfleet", subcommands: ClientCommands.all)
    }
}
