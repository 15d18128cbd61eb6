extension Schema {
    /// The name of the transaction-local settings a traced write sets before it changes anything.
    public static let traceparentSetting = "hyperfleet.traceparent"
    public static let tracestateSetting = "hyperfleet.tracestate"

    /// Migration 9: each change row keeps the W3C trace context of the write that made it, so that the
    /// Sentinel's publish continues the writer's trace. The writer sets `hyperfleet.traceparent` (and
    /// `hyperfleet.tracestate`) with `set_config(..., true)` in its transaction; the columns' defaults read
    /// them, so every trigger that writes a change row (resource, status report, reconcile control) fills
    /// them without knowing. Unset (tracing off, or a write without a span): null. Reading an unset
    /// setting with `missing_ok` costs nothing measurable and writes nothing.
    static let traceContextV9 = """
        ALTER TABLE sentinel_changes
            ADD COLUMN traceparent text DEFAULT nullif(current_setting('\(traceparentSetting)', true), ''),
            ADD COLUMN tracestate text DEFAULT nullif(current_setting('\(tracestateSetting)', true), '');
        """
}
