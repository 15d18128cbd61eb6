import Foundation
import HyperFleetClient
import HyperFleetJSON
import HyperFleetModel

/// How `get` shows clusters and nodepools as table rows.
enum ResourceRows {
    static func columns(_ kind: ResourceKind) -> [TableColumn] {
        var columns = [TableColumn(header: "NAME", shrinkOrder: 2, minimumWidth: 12)]
        if kind == .nodePool { columns.append(TableColumn(header: "CLUSTER", shrinkOrder: 1, minimumWidth: 10)) }
        columns += [
            TableColumn(header: "ID", shrinkOrder: 3, minimumWidth: 10),
            TableColumn(header: "GENERATION", shrinkOrder: nil),
            // Room for "NotReady" and "119s", so a watch's later rows are not cut.
            TableColumn(header: "PHASE", shrinkOrder: nil, reservedWidth: 8),
            TableColumn(header: "AGE", shrinkOrder: nil, reservedWidth: 4),
            TableColumn(header: "LABELS", shrinkOrder: 0, minimumWidth: 6, optional: true),
        ]
        return columns
    }

    /// Index of the AGE column, which changes with the clock and so is left out when comparing rows.
    static func ageColumn(_ kind: ResourceKind) -> Int { kind == .nodePool ? 5 : 4 }

    static func row(_ kind: ResourceKind, _ item: JSONValue, now: Date) -> [String] {
        var cells = [item.at("name")?.stringValue ?? ""]
        if kind == .nodePool { cells.append(HyperFleetClient.ownerClusterID(item) ?? "") }
        cells += [
            item.at("id")?.stringValue ?? "",
            item.at("generation")?.exactIntegerValue.map { String($0) } ?? "",
            phase(item),
            age(of: item.at("created_time")?.stringValue, now: now),
            labels(item),
        ]
        return cells
    }

    static func phase(_ item: JSONValue) -> String {
        let phase = item.at("status.phase")?.stringValue ?? ""
        if let deleted = item.at("deleted_time"), !deleted.isNull { return phase.isEmpty ? "Deleting" : "\(phase),Deleting" }
        return phase
    }

    static func labels(_ item: JSONValue) -> String {
        (item.at("labels")?.objectValue ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.stringValue ?? $0.value.serialized())" }.joined(separator: ",")
    }

    /// `45s`, `12m`, `5h`, `3d`: how long ago an RFC 3339 time was, as `kubectl` shows it.
    static func age(of time: String?, now: Date) -> String {
        guard let time, let stamp = Timestamp.parseRFC3339(time) else { return "" }
        return duration(max(0, now.timeIntervalSince(stamp.date)))
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds)
        switch whole {
        case ..<120: return "\(whole)s"
        case ..<(120 * 60): return "\(whole / 60)m"
        case ..<(48 * 3600): return "\(whole / 3600)h"
        default: return "\(whole / 86400)d"
        }
    }
}
