import Foundation
import HyperFleetJSON
import HyperFleetModel

/// `describe`'s reconciliation section: the reconciliation document in words.
extension ResourceDescription {
    /// What the Sentinel did and will do, and what the operator asked, in words.
    static func reconciliationFields(_ view: JSONValue, now: Date) -> [(String, String)] {
        func text(_ path: String) -> String? { view.at(path)?.stringValue }
        func ago(_ path: String) -> String { text(path).map { "\(ResourceRows.age(of: $0, now: now)) ago" } ?? "at an unknown time" }
        var fields: [(String, String)] = []
        if view.at("paused") == .bool(true) {
            var paused = "yes, since \(ago("paused_at")) by \(text("paused_by") ?? "unknown")"
            if let reason = text("pause_reason") { paused += ": \(reason)" }
            fields.append(("Paused", paused))
        } else {
            fields.append(("Paused", "no"))
        }
        if view.at("deletion_held") == .bool(true) {
            fields.append(("Deletion", "held until resume (the deleted event goes out then)"))
        }
        if view.at("pending_request") == .bool(true) {
            fields.append(("Reconcile request", "pending, asked \(ago("requested_at")) by \(text("requested_by") ?? "unknown")"))
        } else {
            fields.append(("Reconcile request", "none pending"))
        }
        if let last = view.at("last_event"), !last.isNull {
            let generation = last.at("generation")?.exactIntegerValue.map { " at generation \($0)" } ?? ""
            let when = last.at("published_at")?.stringValue.map { ", \(ResourceRows.age(of: $0, now: now)) ago" } ?? ""
            let id = last.at("id")?.stringValue.map { " (event \($0))" } ?? ""
            fields.append(("Last event", "\(last.at("reason")?.stringValue ?? "unknown")\(generation)\(when)\(id)"))
        } else {
            fields.append(("Last event", "<none>"))
        }
        if let next = view.at("next"), !next.isNull, let due = next.at("due_at")?.stringValue {
            let decided = text("decided_at").map { ", decided \(ResourceRows.age(of: $0, now: now)) ago" } ?? ""
            fields.append(("Next", "\(next.at("reason")?.stringValue ?? "unknown") \(Self.due(due, now: now)) (\(due))\(decided)"))
        } else if view.at("paused") == .bool(true) {
            fields.append(("Next", "nothing while paused"))
        } else {
            let decided = text("decided_at").map { " (decided \(ResourceRows.age(of: $0, now: now)) ago)" } ?? " (no decision stored yet)"
            fields.append(("Next", "nothing scheduled\(decided)"))
        }
        fields.append(("Attempts", view.at("attempts")?.exactIntegerValue.map { String($0) } ?? "0"))
        let blocking = (view.at("blocking")?.arrayValue ?? []).map {
            "\($0.at("adapter")?.stringValue ?? "?"): \(Self.blockingWords($0.at("reason")?.stringValue ?? ""))"
        }
        fields.append(("Blocking Ready", blocking.isEmpty ? "<none>" : blocking.joined(separator: "\n")))
        return fields
    }

    /// `in 4m`, or `due now` once the time has passed.
    static func due(_ time: String, now: Date) -> String {
        guard let stamp = Timestamp.parseRFC3339(time) else { return "" }
        let seconds = stamp.date.timeIntervalSince(now)
        return seconds > 0 ? "in \(ResourceRows.duration(seconds))" : "due now"
    }

    static func blockingWords(_ reason: String) -> String {
        switch reason {
        case "never_reported": return "never reported"
        case "behind_generation": return "has not observed the current generation"
        case "unhealthy": return "reports Health=False"
        case "not_available": return "reports Available not True"
        default: return reason
        }
    }
}
