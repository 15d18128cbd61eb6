extension Schema {
    /// Reads return `spec`, `labels` and `status.conditions` as JSON text. Turning `jsonb` into text is
    /// most of PostgreSQL's work for a GET: on the benchmark's rows (four conditions, about 600 bytes)
    /// a statement reading eight resources ran 30k times a second with the casts and 47k times with
    /// these columns (benchmarks/README.md). So each `jsonb` column gets a stored text copy, which
    /// PostgreSQL computes on every insert and update: it cannot drift from its source, and writers
    /// need not know it exists. The `jsonb` columns stay for search and indexes.
    ///
    /// Adding stored generated columns rewrites both tables under an exclusive lock (seconds per
    /// hundred thousand rows); reads and writes wait for it, once.
    static let documentTextV6 = """
        ALTER TABLE clusters
            ADD COLUMN spec_text text GENERATED ALWAYS AS (spec::text) STORED,
            ADD COLUMN labels_text text GENERATED ALWAYS AS (labels::text) STORED,
            ADD COLUMN status_conditions_text text GENERATED ALWAYS AS (status_conditions::text) STORED;
        ALTER TABLE nodepools
            ADD COLUMN spec_text text GENERATED ALWAYS AS (spec::text) STORED,
            ADD COLUMN labels_text text GENERATED ALWAYS AS (labels::text) STORED,
            ADD COLUMN status_conditions_text text GENERATED ALWAYS AS (status_conditions::text) STORED;
        """
}
