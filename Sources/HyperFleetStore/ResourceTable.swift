import HyperFleetModel
import TSL

/// The two resource types share one table shape; this says where each one lives and what its
/// lists may filter and sort on. All SQL identifiers come from here, never from input.
public enum ResourceType: String, Sendable, CaseIterable {
    case clusters
    case nodepools

    var table: String { rawValue }
    var statusTable: String { self == .clusters ? "cluster_statuses" : "nodepool_statuses" }
    var statusForeignKey: String { self == .clusters ? "cluster_id" : "nodepool_id" }
    public var kind: String { self == .clusters ? "Cluster" : "NodePool" }
    var listKind: String { self == .clusters ? "ClusterList" : "NodePoolList" }
    var noun: String { self == .clusters ? "cluster" : "nodepool" }

    /// Columns selected for a resource, in a form `ResourceRecord` decodes.
    var selectColumns: String {
        var columns = """
            id, name, spec_text AS spec, labels_text AS labels, generation, created_time, updated_time,
            created_by, updated_by, deleted_time, deleted_by, status_phase, status_observed_generation,
            status_last_transition_time, status_last_updated_time, status_conditions_text AS status_conditions
            """
        if self == .nodepools { columns += ", cluster_id" }
        return columns
    }

    /// The rows whose id is in the text array `$1`, for `BatchedRowReads`.
    ///
    /// The ids arrive through a scalar subquery: the planner cannot see how many there are, in a
    /// custom plan or the generic one, so after its first five executions PostgreSQL keeps the
    /// statement's generic plan. With `ANY($1)` itself, every custom plan counted the batch's actual
    /// ids, came out cheaper than the generic plan's guess of ten, and the statement was planned
    /// again on every execution: about a quarter of PostgreSQL's CPU per GET (benchmarks/README.md).
    var readByIDsSQL: String {
        "SELECT \(selectColumns) FROM \(table) WHERE id = ANY((SELECT $1::text[])::text[])"
    }

    var searchCatalog: TSLCatalog {
        var fields: [TSLField] = [
            TSLField(name: "id", sql: "id", type: .text),
            TSLField(name: "name", sql: "name", type: .text),
            TSLField(name: "kind", sql: self == .clusters ? "'Cluster'::text" : "'NodePool'::text", type: .text),
            TSLField(name: "generation", sql: "generation", type: .integer),
            TSLField(name: "created_time", sql: "created_time", type: .timestamp),
            TSLField(name: "updated_time", sql: "updated_time", type: .timestamp),
            TSLField(name: "created_by", sql: "created_by", type: .text),
            TSLField(name: "updated_by", sql: "updated_by", type: .text),
            TSLField(name: "deleted_time", sql: "deleted_time", type: .timestamp),
            TSLField(name: "deleted_by", sql: "deleted_by", type: .text),
            TSLField(name: "status.phase", sql: "status_phase", type: .text),
            TSLField(name: "status.observed_generation", sql: "status_observed_generation", type: .integer),
            TSLField(name: "status.last_transition_time", sql: "status_last_transition_time", type: .timestamp),
            TSLField(name: "status.last_updated_time", sql: "status_last_updated_time", type: .timestamp),
        ]
        if self == .nodepools {
            fields.append(TSLField(name: "owner_references.id", sql: "cluster_id", type: .text))
        }
        return TSLCatalog(fields: fields, labelsColumn: "labels", conditionsColumn: "status_conditions")
    }

    var orderFields: [OrderField] {
        [
            OrderField(name: "id", sql: "id"),
            OrderField(name: "name", sql: "name"),
            OrderField(name: "created_time", sql: "created_time"),
            OrderField(name: "updated_time", sql: "updated_time"),
            OrderField(name: "generation", sql: "generation"),
            OrderField(name: "status.phase", sql: "status_phase"),
            OrderField(name: "status.observed_generation", sql: "status_observed_generation"),
            OrderField(name: "status.last_transition_time", sql: "status_last_transition_time"),
            OrderField(name: "status.last_updated_time", sql: "status_last_updated_time"),
        ]
    }

    static let statusSearchCatalog = TSLCatalog(
        fields: [
            TSLField(name: "adapter", sql: "adapter", type: .text),
            TSLField(name: "observed_generation", sql: "observed_generation", type: .integer),
            TSLField(name: "created_time", sql: "created_time", type: .timestamp),
            TSLField(name: "last_report_time", sql: "last_report_time", type: .timestamp),
        ],
        labelsColumn: nil,
        conditionsColumn: nil
    )

    static let statusOrderFields: [OrderField] = [
        OrderField(name: "adapter", sql: "adapter"),
        OrderField(name: "observed_generation", sql: "observed_generation"),
        OrderField(name: "created_time", sql: "created_time"),
        OrderField(name: "last_report_time", sql: "last_report_time"),
    ]
}
