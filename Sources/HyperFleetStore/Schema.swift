import Logging
import Postgres

/// The database schema, as versioned migrations. `hyperfleet migrate` applies them under an advisory
/// lock, so replicas may run it at the same time.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "resources and adapter statuses", sql: resourcesV1),
        Migration(version: 2, name: "sentinel records, change queue and adapter liveness", sql: sentinelV2),
        Migration(version: 3, name: "phase lists answered from the index", sql: phaseIndexesV3),
        Migration(version: 4, name: "adapter condition statuses stored for the sentinel's look", sql: sentinelLookV4),
        Migration(version: 5, name: "list totals reused until the next write", sql: listTotalsV5),
        Migration(version: 6, name: "JSON columns kept as text for reads", sql: documentTextV6),
        Migration(version: 7, name: "reconcile controls and history", sql: reconcileControlsV7),
        Migration(version: 8, name: "sentinel records for operators: settings, stuck episodes, reconciliation views", sql: sentinelOperationsV8),
        Migration(version: 9, name: "trace context kept with each change row", sql: traceContextV9),
        Migration(version: 10, name: "change queue without the commit lock: no NOTIFY in the change triggers, one change row per resource and transaction", sql: changeQueueV10),
        Migration(version: 11, name: "room on the resource tables' pages for HOT status updates", sql: resourceFillfactorV11),
        Migration(version: 12, name: "a removed required adapter's liveness rows deleted after the list's transaction, in batches", sql: requiredListV12),
        Migration(version: 13, name: "a report's liveness write found through the primary key in every plan", sql: livenessUpsertV13),
        Migration(version: 14, name: "a resource's delete triggers plan their statements when they run", sql: deletePlansV14),
        Migration(version: 15, name: "a cluster's phase change plans its nodepool lookup when it runs", sql: phaseChangePlansV15),
    ]

    /// The channel the Sentinel LISTENs on; the payload names the resource type (`clusters`, `nodepools`).
    public static let sentinelChannel = "hyperfleet_sentinel"

    /// A list filtered on phase and labels counts its matches from the index alone (labels are
    /// carried in the index), instead of visiting every heap page: measured in benchmarks/README.md.
    static let phaseIndexesV3 = """
        DROP INDEX clusters_phase_created_idx;
        CREATE INDEX clusters_phase_created_idx ON clusters (status_phase, created_time DESC, id DESC) INCLUDE (labels);
        CREATE INDEX nodepools_phase_created_idx ON nodepools (status_phase, created_time DESC, id DESC) INCLUDE (labels);
        """

    static let resourceColumns = """
        id text PRIMARY KEY,
            name text NOT NULL,
            spec jsonb NOT NULL,
            labels jsonb NOT NULL DEFAULT '{}'::jsonb,
            generation bigint NOT NULL DEFAULT 1 CHECK (generation >= 1),
            created_time timestamptz NOT NULL,
            updated_time timestamptz NOT NULL,
            created_by text NOT NULL,
            updated_by text NOT NULL,
            deleted_time timestamptz,
            deleted_by text,
            status_phase text NOT NULL DEFAULT 'NotReady' CHECK (status_phase IN ('NotReady', 'Ready', 'Failed')),
            status_observed_generation bigint NOT NULL DEFAULT 0,
            status_last_transition_time timestamptz NOT NULL,
            status_last_updated_time timestamptz NOT NULL,
            status_conditions jsonb NOT NULL DEFAULT '[]'::jsonb
        """

    static let statusColumns = """
        adapter text NOT NULL,
            observed_generation bigint NOT NULL,
            observed_time timestamptz NOT NULL,
            conditions jsonb NOT NULL,
            metadata jsonb,
            data jsonb,
            created_time timestamptz NOT NULL,
            last_report_time timestamptz NOT NULL
        """

    static let resourcesV1 = """
        CREATE TABLE clusters (
            \(resourceColumns),
            CONSTRAINT clusters_name_key UNIQUE (name)
        );
        CREATE INDEX clusters_created_idx ON clusters (created_time DESC, id DESC);
        CREATE INDEX clusters_labels_idx ON clusters USING gin (labels jsonb_path_ops);
        CREATE INDEX clusters_phase_created_idx ON clusters (status_phase, created_time DESC, id DESC);

        CREATE TABLE nodepools (
            \(resourceColumns),
            cluster_id text NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
            CONSTRAINT nodepools_cluster_name_key UNIQUE (cluster_id, name)
        );
        CREATE INDEX nodepools_created_idx ON nodepools (created_time DESC, id DESC);
        CREATE INDEX nodepools_cluster_created_idx ON nodepools (cluster_id, created_time DESC, id DESC);
        CREATE INDEX nodepools_labels_idx ON nodepools USING gin (labels jsonb_path_ops);

        CREATE TABLE cluster_statuses (
            cluster_id text NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
            \(statusColumns),
            PRIMARY KEY (cluster_id, adapter)
        );
        CREATE TABLE nodepool_statuses (
            nodepool_id text NOT NULL REFERENCES nodepools (id) ON DELETE CASCADE,
            \(statusColumns),
            PRIMARY KEY (nodepool_id, adapter)
        );

        -- The one place that says which adapters must report before a resource is Ready.
        -- `hyperfleet migrate` fills it from configuration; the API and the Sentinel read it.
        CREATE TABLE hyperfleet_required_adapters (
            resource_type text NOT NULL CHECK (resource_type IN ('clusters', 'nodepools')),
            adapter text NOT NULL,
            PRIMARY KEY (resource_type, adapter)
        );
        """
}

extension Schema {
    /// Migrations plus the required-adapter lists: what every process needs before it serves.
    /// Returns the migration versions applied now.
    @discardableResult
    public static func prepare(
        pool: PostgresPool, clusterAdapters: [String], nodePoolAdapters: [String], logger: Logger
    ) async throws -> [Int] {
        let applied = try await Migrator(pool: pool, logger: logger).migrate(migrations)
        let store = ResourceStore(pool: pool, logger: logger)
        try await RequiredAdapters.sync(.clusters, adapters: clusterAdapters, store: store)
        try await RequiredAdapters.sync(.nodepools, adapters: nodePoolAdapters, store: store)
        return applied
    }
}
