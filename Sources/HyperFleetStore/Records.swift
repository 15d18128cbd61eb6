import HyperFleetJSON
import HyperFleetModel
import Postgres

/// A resource row as stored, before it is shaped into a `Cluster` or a `NodePool`.
struct ResourceRecord: Sendable {
    var id: String
    var clusterID: String?
    var name: String
    var spec: [String: JSONValue]
    var labels: [String: String]
    var generation: Int64
    var createdTime: Timestamp
    var updatedTime: Timestamp
    var createdBy: String
    var updatedBy: String
    var deletedTime: Timestamp?
    var deletedBy: String?
    var status: ResourceStatus

    init(row: PostgresRow) throws {
        let stored = try ResourceDocument(row: row)
        id = stored.id
        clusterID = stored.clusterID
        name = stored.name
        spec = try Self.object(stored.spec.text, "spec")
        labels = try Self.object(stored.labels.text, "labels").mapValues { value in
            guard case .string(let text) = value else { throw StoreError.corrupt("labels of \(stored.id)") }
            return text
        }
        generation = stored.generation
        createdTime = stored.createdTime
        updatedTime = stored.updatedTime
        createdBy = stored.createdBy
        updatedBy = stored.updatedBy
        deletedTime = stored.deletedTime
        deletedBy = stored.deletedBy
        status = ResourceStatus(
            phase: stored.phase, observedGeneration: stored.observedGeneration, lastTransitionTime: stored.lastTransitionTime,
            lastUpdatedTime: stored.lastUpdatedTime,
            conditions: try StoredConditions.resource(stored.conditions.text, column: "status_conditions"))
    }

    var cluster: Cluster {
        Cluster(
            id: id, name: name, labels: labels, spec: spec, generation: generation, createdTime: createdTime,
            updatedTime: updatedTime, createdBy: createdBy, updatedBy: updatedBy, deletedTime: deletedTime,
            deletedBy: deletedBy, status: status)
    }

    var nodePool: NodePool {
        NodePool(
            id: id, clusterID: clusterID ?? "", name: name, labels: labels, spec: spec, generation: generation,
            createdTime: createdTime, updatedTime: updatedTime, createdBy: createdBy, updatedBy: updatedBy,
            deletedTime: deletedTime, deletedBy: deletedBy, status: status)
    }

    static func time(_ row: PostgresRow, _ column: String) throws -> Timestamp {
        let text = try row.text(column)
        guard let value = Timestamp.parsePostgres(text) else { throw StoreError.corrupt(column) }
        return value
    }

    static func object(_ text: String, _ column: String) throws -> [String: JSONValue] {
        guard let object = (try? JSONValue.parse(Array(text.utf8)))?.objectValue else { throw StoreError.corrupt(column) }
        return object
    }

    static func optionalJSON(_ row: PostgresRow, _ column: String) throws -> JSONValue? {
        guard let text = row[column] else { return nil }
        do { return try JSONValue.parse(Array(text.utf8)) } catch { throw StoreError.corrupt(column) }
    }
}

/// A stored cluster or nodepool as the read endpoints return it. Labels, spec and conditions stay
/// PostgreSQL's own `jsonb` text and go into the body unparsed: parsing and re-serializing them was
/// the largest cost of a GET after the JSON encoder itself (benchmarks/README.md).
public struct ResourceDocument: JSONWritable, Sendable {
    let id: String
    /// Set for nodepools only.
    let clusterID: String?
    let name: String
    let labels: JSONFragment
    let spec: JSONFragment
    let generation: Int64
    let createdTime: Timestamp
    let updatedTime: Timestamp
    let createdBy: String
    let updatedBy: String
    let deletedTime: Timestamp?
    let deletedBy: String?
    let phase: Phase
    let observedGeneration: Int64
    let lastTransitionTime: Timestamp
    let lastUpdatedTime: Timestamp
    let conditions: JSONFragment

    /// Reads a row selected with `ResourceType.selectColumns`.
    init(row: PostgresRow) throws {
        id = try row.text("id")
        clusterID = row["cluster_id"]
        name = try row.text("name")
        labels = JSONFragment(trusted: try row.text("labels"))
        spec = JSONFragment(trusted: try row.text("spec"))
        generation = try row.int("generation")
        createdTime = try ResourceRecord.time(row, "created_time")
        updatedTime = try ResourceRecord.time(row, "updated_time")
        createdBy = try row.text("created_by")
        updatedBy = try row.text("updated_by")
        deletedTime = try row["deleted_time"].map { _ in try ResourceRecord.time(row, "deleted_time") }
        deletedBy = row["deleted_by"]
        guard let phase = Phase(rawValue: try row.text("status_phase")) else { throw StoreError.corrupt("status_phase") }
        self.phase = phase
        observedGeneration = try row.int("status_observed_generation")
        lastTransitionTime = try ResourceRecord.time(row, "status_last_transition_time")
        lastUpdatedTime = try ResourceRecord.time(row, "status_last_updated_time")
        conditions = JSONFragment(trusted: try row.text("status_conditions"))
    }

    public func write(to writer: inout JSONWriter) {
        let href = clusterID.map { Paths.nodePool(clusterID: $0, id: id) } ?? Paths.cluster(id)
        ResourceJSON.write(
            &writer, id: id, kind: clusterID == nil ? "Cluster" : "NodePool", href: href, name: name, labels: labels,
            spec: spec, generation: generation, createdTime: createdTime, updatedTime: updatedTime, createdBy: createdBy,
            updatedBy: updatedBy, deletedTime: deletedTime, deletedBy: deletedBy,
            ownerReferences: clusterID.map(ObjectReference.cluster), status: Status(document: self))
    }

    private struct Status: JSONWritable {
        let document: ResourceDocument

        func write(to writer: inout JSONWriter) {
            ResourceJSON.writeStatus(
                &writer, phase: document.phase, observedGeneration: document.observedGeneration,
                lastTransitionTime: document.lastTransitionTime, lastUpdatedTime: document.lastUpdatedTime,
                conditions: document.conditions)
        }
    }
}

/// An adapter status row plus the raw observed time the ordering rule needs.
struct StatusRecord: Sendable {
    var status: AdapterStatus
    var observedTime: Timestamp

    static let selectColumns = """
        adapter, observed_generation, observed_time, conditions::text AS conditions, metadata::text AS metadata,
        data::text AS data, created_time, last_report_time
        """

    init(status: AdapterStatus, observedTime: Timestamp) {
        self.status = status
        self.observedTime = observedTime
    }

    init(row: PostgresRow) throws {
        status = AdapterStatus(
            adapter: try row.text("adapter"),
            observedGeneration: try row.int("observed_generation"),
            conditions: try StoredConditions.adapter(try row.text("conditions"), column: "conditions"),
            metadata: try ResourceRecord.optionalJSON(row, "metadata"),
            data: try ResourceRecord.optionalJSON(row, "data"),
            createdTime: try ResourceRecord.time(row, "created_time"),
            lastReportTime: try ResourceRecord.time(row, "last_report_time"))
        observedTime = try ResourceRecord.time(row, "observed_time")
    }
}

/// Failures inside the store that are not the client's fault: logged in full, answered with 500.

import Foundation
