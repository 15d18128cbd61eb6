import ArgumentParser
import Foundation
import HyperFleetClient
import HyperFleetJSON

/// `hyperfleet describe cluster|nodepool NAME|ID`: one resource for people, like `kubectl describe`.
public struct DescribeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a cluster or nodepool: fields, labels, spec, status, conditions and the adapters' reports.",
        discussion: "-o json prints {\"resource\": <the resource>, \"statuses\": <its adapter status list>} as the API returned them.")

    @OptionGroup var target: ResourceArguments
    @OptionGroup var options: OutputOptions

    public init() {}

    public func run() async throws {
        try await CLIContext.current.perform(on: target, options) { context, client, found throws(ClientError) in
            let statuses = try await client.statuses(found.ref)
            switch options.output {
            case .json:
                context.output.print(#"{"resource":\#(found.document.text),"statuses":\#(statuses.text)}"#)
            case .yaml:
                context.output.print(try YAMLRendering.render(.object(["resource": found.document.value, "statuses": statuses.value])))
            case .table:
                let description = ResourceDescription(kind: target.kind, resource: found.document.value, statuses: statuses.items, now: Date())
                context.output.print(description.render(width: context.terminalWidth))
            }
        }
    }
}

/// The text of `describe`: titled sections, each a list of `Key: value` fields or a table. Sections are
/// independent, so later ones (the reconciliation view, the history) are appended without touching these.
struct ResourceDescription {
    enum Section {
        case fields([(String, String)])
        case table(title: String, columns: [TableColumn], rows: [[String]], empty: String)
    }

    let sections: [Section]

    init(kind: ResourceKind, resource: JSONValue, statuses: [JSONValue], now: Date) {
        func text(_ path: String) -> String {
            guard let value = resource.at(path), !value.isNull else { return "<none>" }
            return value.stringValue ?? value.serialized()
        }
        func time(_ path: String) -> String {
            guard let stamp = resource.at(path)?.stringValue else { return "<none>" }
            return "\(stamp) (\(ResourceRows.age(of: stamp, now: now)) ago)"
        }
        var fields: [(String, String)] = [("Name", text("name")), ("ID", text("id")), ("Kind", text("kind"))]
        if kind == .nodePool { fields.append(("Cluster", HyperFleetClient.ownerClusterID(resource) ?? "<none>")) }
        fields += [
            ("Generation", text("generation")),
            ("Created", "\(time("created_time")) by \(text("created_by"))"),
            ("Updated", "\(time("updated_time")) by \(text("updated_by"))"),
        ]
        if let deleted = resource.at("deleted_time")?.stringValue {
            fields.append(("Deleting since", "\(deleted) (\(ResourceRows.age(of: deleted, now: now)) ago)"))
        }
        let labels = (resource.at("labels")?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? $0.value.serialized())" }
        fields.append(("Labels", labels.isEmpty ? "<none>" : labels.joined(separator: "\n")))
        let spec = Self.flatten(resource.at("spec") ?? .null)
        fields.append(("Spec", spec.isEmpty ? "<none>" : spec.joined(separator: "\n")))
        fields += [
            ("Phase", text("status.phase")),
            ("Observed generation", text("status.observed_generation")),
            ("Last transition", time("status.last_transition_time")),
        ]
        let conditions = (resource.at("status.conditions")?.arrayValue ?? []).map { condition -> [String] in
            func field(_ name: String) -> String { condition.at(name)?.stringValue ?? condition.at(name).map { $0.serialized() } ?? "" }
            return [field("type"), field("status"), field("observed_generation"), field("reason"),
                    ResourceRows.age(of: condition.at("last_transition_time")?.stringValue, now: now), field("message")]
        }
        let adapters = statuses.sorted { ($0.at("adapter")?.stringValue ?? "") < ($1.at("adapter")?.stringValue ?? "") }.map { status -> [String] in
            func condition(_ type: String) -> String {
                status.at("conditions")?.arrayValue?.first { $0.at("type")?.stringValue == type }?.at("status")?.stringValue ?? "-"
            }
            return [status.at("adapter")?.stringValue ?? "", status.at("observed_generation").map { $0.serialized() } ?? "",
                    condition("Available"), condition("Applied"), condition("Health"),
                    ResourceRows.age(of: status.at("last_report_time")?.stringValue ?? status.at("observed_time")?.stringValue, now: now)]
        }
        sections = [
            .fields(fields),
            .table(title: "Conditions", columns: [
                TableColumn(header: "TYPE", shrinkOrder: 2), TableColumn(header: "STATUS", shrinkOrder: nil),
                TableColumn(header: "GENERATION", shrinkOrder: nil), TableColumn(header: "REASON", shrinkOrder: 1),
                TableColumn(header: "AGE", shrinkOrder: nil), TableColumn(header: "MESSAGE", shrinkOrder: 0),
            ], rows: conditions, empty: "<none>"),
            .table(title: "Adapters", columns: [
                TableColumn(header: "ADAPTER", shrinkOrder: 0), TableColumn(header: "GENERATION", shrinkOrder: nil),
                TableColumn(header: "AVAILABLE", shrinkOrder: nil), TableColumn(header: "APPLIED", shrinkOrder: nil),
                TableColumn(header: "HEALTH", shrinkOrder: nil), TableColumn(header: "LAST REPORT", shrinkOrder: nil),
            ], rows: adapters, empty: "<no reports yet>"),
        ]
    }

    func render(width: Int) -> String {
        var lines: [String] = []
        for section in sections {
            switch section {
            case .fields(let fields):
                let keyWidth = (fields.map { $0.0.count }.max() ?? 0) + 2
                for (key, value) in fields {
                    let valueLines = value.split(separator: "\n", omittingEmptySubsequences: false)
                    for (index, line) in valueLines.enumerated() {
                        let label = index == 0 ? key + ":" : ""
                        lines.append(label.padding(toLength: keyWidth, withPad: " ", startingAt: 0) + line)
                    }
                }
            case .table(let title, let columns, let rows, let empty):
                lines.append("\(title):")
                if rows.isEmpty {
                    lines.append("  \(empty)")
                } else {
                    let layout = TableLayout(columns: columns, rows: rows, maxWidth: width - 2)
                    lines += layout.render(rows).split(separator: "\n").map { "  \($0)" }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A spec as `path: value` lines (`platform.region: eu-west-1`), the way people scan it.
    static func flatten(_ value: JSONValue, prefix: String = "") -> [String] {
        switch value {
        case .object(let members) where !members.isEmpty:
            return members.sorted { $0.key < $1.key }.flatMap { flatten($0.value, prefix: prefix.isEmpty ? $0.key : "\(prefix).\($0.key)") }
        case .object:
            return prefix.isEmpty ? [] : ["\(prefix): {}"]
        default:
            let text = value.stringValue ?? value.serialized()
            return prefix.isEmpty ? [text] : ["\(prefix): \(text)"]
        }
    }
}
