import Foundation
import HyperFleetClient
import HyperFleetJSON

/// `get -w`: polls a list and prints what changed since the last poll, until the task is cancelled
/// (Ctrl-C ends the process). Memory holds one row signature per listed resource, at most one page.
struct Watch {
    let kind: ResourceKind
    let format: OutputFormat
    let interval: Double
    let context: CLIContext

    func run(fetch: () async throws(ClientError) -> APIDocument) async throws(ClientError) {
        var seen: [String: String] = [:]
        var layout: TableLayout?
        while !Task.isCancelled {
            let page: APIDocument
            do throws(ClientError) {
                page = try await fetch()
            } catch {
                if Task.isCancelled { return }
                throw error
            }
            let now = Date()
            var current: [String: String] = [:]
            var changed: [JSONValue] = []
            for item in page.items {
                guard let id = item.at("id")?.stringValue else { continue }
                let signature = signature(item)
                current[id] = signature
                if seen[id] != signature { changed.append(item) }
            }
            try print(changed, layout: &layout, now: now)
            if format == .table {
                for id in seen.keys where current[id] == nil { context.output.print("\(id) removed") }
            }
            seen = current
            do {
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            } catch {
                return
            }
        }
    }

    /// What makes a row "changed": every cell but AGE, or for json/yaml the whole body.
    private func signature(_ item: JSONValue) -> String {
        guard format == .table else { return item.serialized() }
        var cells = ResourceRows.row(kind, item, now: Date())
        cells.remove(at: ResourceRows.ageColumn(kind))
        return cells.joined(separator: "\u{1F}")
    }

    private func print(_ items: [JSONValue], layout: inout TableLayout?, now: Date) throws(ClientError) {
        guard !items.isEmpty else { return }
        switch format {
        case .json:
            for item in items { context.output.print(item.serialized()) }
        case .yaml:
            for item in items { context.output.print("---\n" + (try YAMLRendering.render(item))) }
        case .table:
            let rows = items.map { ResourceRows.row(kind, $0, now: now) }
            if let layout {
                for row in rows { context.output.print(layout.line(row)) }
            } else {
                // The first poll fixes the column widths, so later rows line up under the header.
                let first = TableLayout(columns: ResourceRows.columns(kind), rows: rows, maxWidth: context.terminalWidth)
                context.output.print(first.render(rows))
                layout = first
            }
        }
    }
}
