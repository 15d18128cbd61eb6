import ArgumentParser
import Foundation
import HyperFleetClient
import HyperFleetJSON

/// `hyperfleet get clusters|nodepools [NAME|ID]`: a table, the API's JSON, or YAML; `-w` keeps watching.
public struct GetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "List clusters or nodepools, or show one.",
        discussion: """
            A list is one page of up to --limit resources, ordered by name. -o json prints the API's body \
            unchanged. -w polls the list every --interval seconds and prints the rows that changed, until interrupted.
            """)

    @Argument(help: ArgumentHelp("clusters or nodepools.", valueName: "type"))
    var type: ResourceTypeArgument

    @Argument(help: ArgumentHelp("One resource's name or id (a nodepool name with --cluster when not unique).", valueName: "name-or-id"))
    var name: String?

    @Option(name: [.customShort("l"), .customLong("selector")], help: ArgumentHelp("Only resources with this label (key=value); repeatable.", valueName: "key=value"))
    var labels: [String] = []

    @Option(help: ArgumentHelp("A search in the API's search language, e.g. \"status.phase='NotReady'\".", valueName: "tsl"))
    var search: String?

    @Option(help: ArgumentHelp("Nodepools of this cluster (name or id).", valueName: "name-or-id"))
    var cluster: String?

    @Flag(name: [.customShort("w"), .customLong("watch")], help: "Keep polling and print rows that change.")
    var watch = false

    @Option(help: ArgumentHelp("Seconds between polls with -w.", valueName: "seconds"))
    var interval: Double = 2

    @Option(help: "The most resources one list shows (1 to 1000).")
    var limit: Int = 500

    @OptionGroup var options: OutputOptions

    public init() {}

    var output: OutputFormat { options.output }

    public func validate() throws {
        if type.kind == .cluster, cluster != nil { throw ValidationError("--cluster applies to nodepools only") }
        if !(interval > 0 && interval <= 3600) { throw ValidationError("--interval must be more than 0 and at most 3600 seconds") }
        if !(1...1000).contains(limit) { throw ValidationError("--limit must be from 1 to 1000") }
        if name != nil, watch { throw ValidationError("-w watches a list: leave out the name") }
        for label in labels where LabelSelector(label) == nil {
            throw ValidationError("-l '\(label)': a label selector is key=value")
        }
    }

    public func run() async throws {
        try await CLIContext.current.perform { (context: CLIContext) async throws(ClientError) in
            let client = try options.connection.client(in: context)
            if let name {
                let found = try await client.resolve(type.kind, name, cluster: cluster)
                try printResources([found.document.value], single: found.document, context: context)
                return
            }
            var clusterID: String?
            if let cluster { clusterID = try await client.resolve(.cluster, cluster).ref.id }
            let request = ListRequest(search: combinedSearch(), pageSize: limit)
            if watch {
                try await Watch(kind: type.kind, format: output, interval: interval, context: context).run {
                    () async throws(ClientError) -> APIDocument in try await client.list(type.kind, clusterID: clusterID, request)
                }
                return
            }
            let page = try await client.list(type.kind, clusterID: clusterID, request)
            try printResources(page.items, single: page, context: context)
            let total = Int(page.value.at("total")?.exactIntegerValue ?? 0)
            if output == .table, total > page.items.count {
                context.output.printError("(\(page.items.count) of \(total) shown; narrow with -l or --search, or raise --limit)")
            }
        }
    }

    private func printResources(_ items: [JSONValue], single document: APIDocument, context: CLIContext) throws(ClientError) {
        guard output == .table else { return try context.printDocument(document, as: output) }
        if items.isEmpty {
            context.output.printError("No \(type.kind.noun)s found.")
            return
        }
        let now = Date()
        let rows = items.map { ResourceRows.row(type.kind, $0, now: now) }
        context.output.print(TableLayout(columns: ResourceRows.columns(type.kind), rows: rows, maxWidth: context.terminalWidth).render(rows))
    }

    /// The `-l` selectors and `--search`, as one TSL expression.
    func combinedSearch() -> String? {
        var parts = labels.compactMap { LabelSelector($0)?.tsl }
        if let search, !search.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(parts.isEmpty ? search : "(\(search))") }
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }
}

/// `-l key=value` as the TSL `labels.key='value'`.
struct LabelSelector: Equatable {
    let key: String
    let value: String

    init?(_ text: String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return nil }
        key = String(text[..<equals])
        value = String(text[text.index(after: equals)...])
    }

    /// The key quoted too, so that keys with `/` or `.` (`example.com/team`) need no rules of their own.
    var tsl: String { "labels.\(HyperFleetClient.quoted(key))=\(HyperFleetClient.quoted(value))" }
}
