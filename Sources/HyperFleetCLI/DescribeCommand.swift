import ArgumentParser
import Foundation
import HyperFleetClient
import HyperFleetJSON
import HyperFleetModel

/// `hyperfleet describe cluster|nodepool NAME|ID`: one resource for people, like `kubectl describe`.
public struct DescribeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a cluster or nodepool: why it is (not) Ready, what the Sentinel did and will do next.",
        discussion: """
            Prints the fields, labels, spec, status and conditions; the adapters (required or not, the generation \
            each observed, current, available, health, last report, stale); the reconciliation (paused, pending \
            reconcile request, last event, the next decision and how old it is, attempts, the adapters blocking \
            Ready and why, a deletion held until resume); and the recent history, newest first. -o json prints \
            {"resource": <the resource>, "reconciliation": <its reconciliation document>} as the API returned them.
            """)

    @OptionGroup var target: ResourceArguments
    @OptionGroup var options: OutputOptions

    public init() {}

    public func run() async throws {
        try await CLIContext.current.perform(on: target, options) { context, client, found throws(ClientError) in
            let reconciliation = try await client.reconciliation(found.ref)
            switch options.output {
            case .json:
                context.output.print(#"{"resource":\#(found.document.text),"reconciliation":\#(reconciliation.text)}"#)
            case .yaml:
                context.output.print(try YAMLRendering.render(.object(["resource": found.document.value, "reconciliation": reconciliation.value])))
            case .table:
                let description = ResourceDescription(
                    kind: target.kind, resource: found.document.value, reconciliation: reconciliation.value, now: Date())
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
        /// Fields under a title, indented.
        case titledFields(title: String, [(String, String)])
        case table(title: String, columns: [TableColumn], rows: [[String]], empty: String)
    }

    let sections: [Section]

    init(kind: ResourceKind, resource: JSONValue, reconciliation: JSONValue, now: Date) {
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
        func cell(_ value: JSONValue?) -> String {
            guard let value, !value.isNull else { return "-" }
            return value.stringValue ?? value.serialized()
        }
        func yesNo(_ value: JSONValue?) -> String { value == .bool(true) ? "yes" : "no" }
        let adapters = (reconciliation.at("adapters")?.arrayValue ?? []).map { adapter -> [String] in
            [cell(adapter.at("name")), yesNo(adapter.at("required")), cell(adapter.at("observed_generation")), yesNo(adapter.at("current")),
             cell(adapter.at("available")), cell(adapter.at("health")),
             adapter.at("last_report_time")?.stringValue.map { ResourceRows.age(of: $0, now: now) + " ago" } ?? "never",
             yesNo(adapter.at("stale"))]
        }
        let history = (reconciliation.at("history")?.arrayValue ?? []).map { entry -> [String] in
            let isEvent = entry.at("action")?.stringValue == "event"
            return [ResourceRows.age(of: entry.at("time")?.stringValue, now: now) + " ago", cell(entry.at("action")), cell(entry.at("reason")),
                    cell(entry.at(isEvent ? "replica" : "by")), isEvent ? cell(entry.at("generation")) : "", isEvent ? cell(entry.at("event_id")) : ""]
        }
        sections = [
            .fields(fields),
            .table(title: "Conditions", columns: [
                TableColumn(header: "TYPE", shrinkOrder: 2), TableColumn(header: "STATUS", shrinkOrder: nil),
                TableColumn(header: "GENERATION", shrinkOrder: nil), TableColumn(header: "REASON", shrinkOrder: 1),
                TableColumn(header: "AGE", shrinkOrder: nil), TableColumn(header: "MESSAGE", shrinkOrder: 0),
            ], rows: conditions, empty: "<none>"),
            .table(title: "Adapters", columns: [
                TableColumn(header: "ADAPTER", shrinkOrder: 0), TableColumn(header: "REQUIRED", shrinkOrder: nil),
                TableColumn(header: "OBSERVED GEN", shrinkOrder: nil), TableColumn(header: "CURRENT", shrinkOrder: nil),
                TableColumn(header: "AVAILABLE", shrinkOrder: nil), TableColumn(header: "HEALTH", shrinkOrder: nil),
                TableColumn(header: "LAST REPORT", shrinkOrder: nil), TableColumn(header: "STALE", shrinkOrder: nil),
            ], rows: adapters, empty: "<no adapters required and no reports yet>"),
            .titledFields(title: "Reconciliation", Self.reconciliationFields(reconciliation, now: now)),
            .table(title: "History (newest first)", columns: [
                TableColumn(header: "WHEN", shrinkOrder: nil), TableColumn(header: "ACTION", shrinkOrder: nil),
                TableColumn(header: "REASON", shrinkOrder: 0), TableColumn(header: "BY", shrinkOrder: 1),
                TableColumn(header: "GENERATION", shrinkOrder: nil), TableColumn(header: "EVENT ID", shrinkOrder: 2, optional: true),
            ], rows: history, empty: "<none>"),
        ]
    }

    func render(width: Int) -> String {
        var lines: [String] = []
        for section in sections {
            switch section {
            case .fields(let fields):
                lines += Self.fieldLines(fields, indent: "")
            case .titledFields(let title, let fields):
                lines.append("\(title):")
                lines += Self.fieldLines(fields, indent: "  ")
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

    /// `Key:  value` lines, keys aligned; a value's further lines under the first.
    static func fieldLines(_ fields: [(String, String)], indent: String) -> [String] {
        let keyWidth = (fields.map { $0.0.count }.max() ?? 0) + 2
        return fields.flatMap { key, value in
            value.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
                indent + (index == 0 ? key + ":" : "").padding(toLength: keyWidth, withPad: " ", startingAt: 0) + line
            }
        }
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
