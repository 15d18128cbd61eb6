import HyperFleetModel
import Postgres

/// How many resources of one type are stuck in one (phase, deleting) group.
struct StuckGroup: Sendable, Equatable {
    var phase: Phase
    var deleting: Bool
    var count: Int
}

/// What one stuck query found for a resource type.
struct StuckSummary: Sendable, Equatable {
    var groups: [StuckGroup] = []
    /// Since when the longest-stuck resource has been stuck; nil when none is.
    var oldestSince: Timestamp?
    /// Up to the sample size, longest stuck first.
    var sampleIDs: [String] = []

    var count: Int { groups.reduce(0) { $0 + $1.count } }
}

/// The stuck-resources statement (OPERATIONS.md "Stuck resources"): one query per resource type,
/// answered from the partial indexes of migration 8, so it reads what is stuck, never every resource.
extension SentinelStore {
    /// $1: not Ready since at or before this instant; $2: deleting since at or before this instant.
    /// A live resource is counted from its last phase transition or its last user write (which changes
    /// the generation), whichever is later: exactly the expression `<table>_stuck_idx` carries.
    static func stuckQuery(_ type: WatchedType, sampleSize: Int) -> String {
        let table = type.rawValue
        let unpaused = notPaused(type: "'\(table)'", id: "r.id")
        return """
            WITH stuck AS MATERIALIZED (
                SELECT r.id, r.status_phase AS phase, false AS deleting,
                       greatest(r.status_last_transition_time, r.updated_time) AS since
                FROM \(table) r
                WHERE r.status_phase <> 'Ready' AND r.deleted_time IS NULL
                  AND greatest(r.status_last_transition_time, r.updated_time) <= $1::timestamptz
                  AND \(unpaused)
                UNION ALL
                SELECT r.id, r.status_phase, true, r.deleted_time
                FROM \(table) r
                WHERE r.deleted_time IS NOT NULL AND r.deleted_time <= $2::timestamptz
                  AND \(unpaused)
            )
            SELECT phase, deleting, count(*) AS resources, \(micros("min(since)")) AS oldest,
                   (SELECT string_agg(s.id, ',' ORDER BY s.since, s.id)
                    FROM (SELECT id, since FROM stuck ORDER BY since, id LIMIT \(sampleSize)) s) AS samples
            FROM stuck GROUP BY phase, deleting ORDER BY phase, deleting
            """
    }

    /// The stuck resources of `type`: counts per (phase, deleting), the oldest, and samples.
    func stuckResources(
        _ type: WatchedType, notReadySince: Timestamp, deletingSince: Timestamp, sampleSize: Int
    ) async throws -> StuckSummary {
        let rows = try await pool.query(Self.stuckQuery(type, sampleSize: sampleSize), [notReadySince.rfc3339, deletingSince.rfc3339])
        var summary = StuckSummary()
        for row in rows {
            let phaseText = try row.text("phase")
            guard let phase = Phase(rawValue: phaseText) else { throw PostgresError(kind: .decoding, message: "status_phase '\(phaseText)'") }
            summary.groups.append(StuckGroup(phase: phase, deleting: try row.bool("deleting"), count: Int(try row.int("resources"))))
            let oldest = Timestamp(microsecondsSinceEpoch: try row.int("oldest"))
            summary.oldestSince = min(summary.oldestSince ?? oldest, oldest)
            summary.sampleIDs = row["samples"].map { $0.split(separator: ",").map(String.init) } ?? []
        }
        return summary
    }
}
