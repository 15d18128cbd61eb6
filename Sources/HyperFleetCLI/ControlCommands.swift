import ArgumentParser
import HyperFleetClient
import HyperFleetJSON
import HyperFleetModel

/// `--reason TEXT`, kept in the resource's history with the caller's identity.
struct ReasonOption: ParsableArguments {
    @Option(help: ArgumentHelp("Why, in at most 256 characters; kept in the resource's history.", valueName: "text"))
    var reason: String?
}

/// `hyperfleet reconcile cluster|nodepool NAME|ID [--reason TEXT]`.
public struct ReconcileCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Ask the Sentinel to publish an event for a cluster or nodepool now.",
        discussion: """
            The Sentinel publishes one `requested` event at once, without waiting out a backoff; several requests \
            before it publishes make one event. On a deleting resource the event carries deleted: true, so the \
            adapters clean up again. On a paused resource the request waits for resume. -o json|yaml prints the \
            reconciliation document the API answered.
            """)

    @OptionGroup var target: ResourceArguments
    @OptionGroup var reason: ReasonOption
    @OptionGroup var options: OutputOptions

    public init() {}

    public func run() async throws {
        try await ControlRun(control: .reconcile, target: target, reason: reason.reason, options: options).run()
    }
}

/// `hyperfleet pause cluster|nodepool NAME|ID [--reason TEXT]`.
public struct PauseCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop the Sentinel from acting on a cluster or nodepool until resume.",
        discussion: """
            While paused the Sentinel publishes nothing for the resource (a DELETE is accepted and held until \
            resume); a paused cluster does not pause its nodepools. Pausing a paused resource changes nothing. \
            -o json|yaml prints the reconciliation document the API answered.
            """)

    @OptionGroup var target: ResourceArguments
    @OptionGroup var reason: ReasonOption
    @OptionGroup var options: OutputOptions

    public init() {}

    public func run() async throws {
        try await ControlRun(control: .pause, target: target, reason: reason.reason, options: options).run()
    }
}

/// `hyperfleet resume cluster|nodepool NAME|ID [--reason TEXT]`.
public struct ResumeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Let the Sentinel act on a paused cluster or nodepool again.",
        discussion: """
            The next look decides as usual: a generation changed while paused, a pending request or a held \
            deletion is published at once. Resuming a resource that is not paused changes nothing. -o json|yaml \
            prints the reconciliation document the API answered.
            """)

    @OptionGroup var target: ResourceArguments
    @OptionGroup var reason: ReasonOption
    @OptionGroup var options: OutputOptions

    public init() {}

    public func run() async throws {
        try await ControlRun(control: .resume, target: target, reason: reason.reason, options: options).run()
    }
}

/// What the three control commands share: resolve, send, report in one line or print the document.
struct ControlRun {
    let control: ReconcileControl
    let target: ResourceArguments
    let reason: String?
    let options: OutputOptions

    func run() async throws {
        try await CLIContext.current.perform(on: target, options) { context, client, found throws(ClientError) in
            guard options.output == .table else {
                return try context.printDocument(try await client.control(control, found.ref, reason: reason), as: options.output)
            }
            // Whether it was paused before tells "paused" from "already paused" (the API answers 200 for both);
            // only the one-line answer needs it.
            let wasPaused = control == .reconcile ? false : try await client.reconciliation(found.ref).value.at("paused") == .bool(true)
            _ = try await client.control(control, found.ref, reason: reason)
            let outcome: String
            switch control {
            case .reconcile: outcome = "reconcile requested"
            case .pause: outcome = wasPaused ? "already paused" : "paused"
            case .resume: outcome = wasPaused ? "resumed" : "not paused"
            }
            let resource = found.document.value
            context.output.print(
                "\(target.kind.noun) \(resource.at("name")?.stringValue ?? "?") (\(found.ref.id)): \(outcome)")
        }
    }
}
