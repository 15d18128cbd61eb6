import ArgumentParser
import HyperFleetClient
import HyperFleetJSON

/// `hyperfleet create -f FILE`: a `kind: Cluster` or `kind: NodePool` document, YAML or JSON.
public struct CreateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a cluster or nodepool from a YAML or JSON file.",
        discussion: """
            The document has `kind: Cluster` or `kind: NodePool`, a `name`, and optionally `labels` and `spec`; \
            other fields (id, status, times: what `get -o yaml` prints) are ignored, so a resource read with \
            `get -o yaml` can be edited and created again. A nodepool's cluster is --cluster (name or id), else \
            the document's `owner_references.id`.
            """)

    @Option(name: [.customShort("f"), .customLong("filename")], help: ArgumentHelp("The file (- for standard input).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The cluster of a nodepool (name or id).", valueName: "name-or-id"))
    var cluster: String?

    @OptionGroup var options: OutputOptions

    public init() {}

    public func run() async throws {
        try await CLIContext.current.perform { (context: CLIContext) async throws(ClientError) in
            let document = try ResourceFile.load(file)
            guard let members = document.objectValue else { throw .invalidInput("-f \(file): the document must be a mapping") }
            let kind: ResourceKind
            switch members["kind"]?.stringValue {
            case "Cluster": kind = .cluster
            case "NodePool": kind = .nodePool
            default: throw .invalidInput("-f \(file): kind must be Cluster or NodePool")
            }
            // Only what a create takes; read-only fields of a copied resource would be a 400.
            let body = JSONValue.object(members.filter { ["kind", "name", "labels", "spec"].contains($0.key) })
            let client = try options.connection.client(in: context)
            var clusterID: String?
            if kind == .nodePool {
                guard let owner = cluster ?? HyperFleetClient.ownerClusterID(document) else {
                    throw .invalidInput("a NodePool needs its cluster: --cluster NAME|ID, or owner_references.id in the file")
                }
                clusterID = try await client.resolve(.cluster, owner).ref.id
            } else if cluster != nil {
                throw .invalidInput("--cluster applies to a NodePool document only")
            }
            let created = try await client.create(kind, clusterID: clusterID, body: body)
            try context.report(created, as: options.output, verb: "created")
        }
    }
}

/// `hyperfleet patch cluster|nodepool NAME|ID -p JSON`: a JSON merge-patch (RFC 7396).
public struct PatchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Change a cluster or nodepool with a JSON merge-patch.",
        discussion: #"Example: hyperfleet patch cluster demo -p '{"spec":{"region":"eu-west-1"},"labels":{"env":null}}'"#)

    @OptionGroup var target: ResourceArguments

    @Option(name: [.customShort("p"), .customLong("patch")], help: ArgumentHelp("The merge-patch, a JSON object.", valueName: "json"))
    var patch: String

    @OptionGroup var options: OutputOptions

    public init() {}

    public func validate() throws {
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONValue.parse(patch)
        } catch {
            throw ValidationError("-p: not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard value.objectValue != nil else { throw ValidationError("-p: a merge-patch is a JSON object") }
    }

    public func run() async throws {
        // validate() has parsed it already.
        guard let mergePatch = try? JSONValue.parse(patch) else { throw ValidationError("-p: not valid JSON") }
        try await CLIContext.current.perform(on: target, options) { context, client, found throws(ClientError) in
            let patched = try await client.patch(found.ref, mergePatch: mergePatch)
            try context.report(patched, as: options.output, verb: "patched")
        }
    }
}

/// `hyperfleet delete cluster|nodepool NAME|ID [--force]`.
public struct DeleteCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a cluster or nodepool.",
        discussion: """
            The resource is marked deleting and removed once its adapters have cleaned up. --force on a resource \
            that is already deleting removes it at once (for adapters that will never finish).
            """)

    @OptionGroup var target: ResourceArguments

    @Flag(help: "Remove a resource that is already deleting without waiting for its adapters.")
    var force = false

    @OptionGroup var options: OutputOptions

    public init() {}

    public func run() async throws {
        try await CLIContext.current.perform(on: target, options) { context, client, found throws(ClientError) in
            let deleted = try await client.delete(found.ref, force: force)
            try context.report(deleted, as: options.output, verb: force ? "removed" : "marked for deletion")
        }
    }
}

extension CLIContext {
    /// After a write: `cluster demo (id) created, generation 1`, or the resource as JSON or YAML.
    func report(_ document: APIDocument, as format: OutputFormat, verb: String) throws(ClientError) {
        guard format == .table else { return try printDocument(document, as: format) }
        let value = document.value
        let noun = value.at("kind")?.stringValue == "NodePool" ? "nodepool" : "cluster"
        let generation = value.at("generation")?.exactIntegerValue.map { ", generation \($0)" } ?? ""
        output.print("\(noun) \(value.at("name")?.stringValue ?? "?") (\(value.at("id")?.stringValue ?? "?")) \(verb)\(generation)")
    }
}
