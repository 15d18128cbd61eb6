import HyperFleetModel
import Postgres

extension ResourceStore {
    /// What a DELETE did.
    public enum DeletionOutcome: Sendable {
        /// Marked as deleting now, or already deleting (nothing changed): the resource as it stands.
        case deleting(ResourceRecordView)
        /// Removed (force): the resource as it was just before.
        case removed(ResourceRecordView)

        public var view: ResourceRecordView {
            switch self {
            case .deleting(let view), .removed(let view): return view
            }
        }
    }

    /// Starts deletion (deleted_time/by set, generation +1, a cluster's nodepools marked the same way
    /// in the same transaction), or with `force` removes a resource that is already deleting.
    public func delete(_ target: ResourceTarget, by actor: String, force: Bool, now: Timestamp = .now()) async throws -> DeletionOutcome {
        try await traced("delete", target) { span in
            let outcome: DeletionOutcome = try await writeTransaction(in: span) { connection in
                var record = try await lock(target, on: connection)
                if force {
                    guard record.deletedTime != nil else {
                        throw StoreError.conflict("\(target.type.noun) '\(target.id)' is not being deleted; DELETE it first, then force=true removes it")
                    }
                    _ = try await connection.query("DELETE FROM \(target.type.table) WHERE id = $1", [target.id])
                    return .removed(ResourceRecordView(record))
                }
                guard record.deletedTime == nil else { return .deleting(ResourceRecordView(record)) }
                record = try await markDeleting(record, type: target.type, clusterID: target.clusterID, by: actor, now: now, on: connection)
                if target.type == .clusters {
                    let pools = try await connection.query(
                        "SELECT \(ResourceType.nodepools.selectColumns) FROM nodepools WHERE cluster_id = $1 AND deleted_time IS NULL ORDER BY id FOR UPDATE",
                        [target.id])
                    for row in pools {
                        _ = try await markDeleting(
                            try ResourceRecord(row: row), type: .nodepools, clusterID: target.id, by: actor, now: now, on: connection)
                    }
                }
                return .deleting(ResourceRecordView(record))
            }
            // A cluster's nodepools were marked too; a no-op or a removal queued nothing worth a hint.
            if case .deleting = outcome { announce(ChangedTypes(target.type, phaseChanged: true)) }
            return outcome
        }
    }

    private func markDeleting(
        _ record: ResourceRecord, type: ResourceType, clusterID: String?, by actor: String, now: Timestamp, on connection: PostgresConnection
    ) async throws -> ResourceRecord {
        _ = try await connection.query(
            "UPDATE \(type.table) SET deleted_time = $2::timestamptz, deleted_by = $3, generation = generation + 1 WHERE id = $1",
            [record.id, now.rfc3339, actor])
        var updated = record
        updated.deletedTime = now
        updated.deletedBy = actor
        updated.generation += 1
        let target: ResourceTarget = clusterID.map { .nodePool(clusterID: $0, id: record.id) } ?? .cluster(id: record.id)
        updated.status = try await reaggregate(updated, type: type, rows: try await statusRows(target, on: connection), now: now, on: connection)
        return updated
    }

    /// After a report on a deleting resource: removes it when every required adapter finalized (a
    /// cluster also needs its nodepools gone); a removed nodepool re-checks its deleting cluster.
    func finalizeIfComplete(
        _ record: ResourceRecord, target: ResourceTarget, rows: StatusRows, on connection: PostgresConnection
    ) async throws {
        guard record.deletedTime != nil else { return }
        guard Finalization.isComplete(generation: record.generation, statuses: rows.statuses, requiredAdapters: rows.required) else { return }
        if target.type == .clusters {
            let remaining = try await connection.query("SELECT 1 FROM nodepools WHERE cluster_id = $1 LIMIT 1", [record.id])
            guard remaining.isEmpty else { return }
        }
        _ = try await connection.query("DELETE FROM \(target.type.table) WHERE id = $1", [record.id])
        logger.info("resource finalized and removed", metadata: ["resource_type": "\(target.type.rawValue)", "id": "\(record.id)"])
        if let clusterID = target.clusterID {
            // The parent was locked first (FOR SHARE); take it for update to remove it as well.
            guard let row = try await connection.query(
                "SELECT \(ResourceType.clusters.selectColumns) FROM clusters WHERE id = $1 FOR UPDATE", [clusterID]
            ).first else { return }
            let parent = try ResourceRecord(row: row)
            let parentTarget = ResourceTarget.cluster(id: clusterID)
            try await finalizeIfComplete(
                parent, target: parentTarget, rows: try await statusRows(parentTarget, on: connection), on: connection)
        }
    }
}
