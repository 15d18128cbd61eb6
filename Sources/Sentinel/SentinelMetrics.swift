import HyperFleetModel
import Metrics
import SentinelCore

/// The Sentinel's metrics, prefix `hyperfleet_sentinel_`, with bounded labels only. Every metric is
/// made through the factory the builder was given, so several roles can share a process.
struct SentinelMetrics: Sendable {
    let factory: any MetricsFactory

    func recordLook(_ type: WatchedType, _ result: LookResult, duration: Duration, at now: Timestamp) {
        Metrics.Timer(label: "hyperfleet_sentinel_poll_duration_seconds", dimensions: [("resource_type", type.rawValue)], factory: factory)
            .recordNanoseconds(Self.nanoseconds(duration))
        Gauge(label: "hyperfleet_sentinel_last_successful_poll_timestamp_seconds", factory: factory)
            .record(Double(now.microsecondsSinceEpoch) / 1_000_000)
    }

    func due(_ type: WatchedType, _ count: Int) {
        Gauge(label: "hyperfleet_sentinel_resources_due", dimensions: [("resource_type", type.rawValue)], factory: factory).record(count)
    }

    /// One look's acknowledged publishes: a counter per reason (incremented by its count) and the lag
    /// of each event. Each metric is asked of the factory once per look, not once per event (a
    /// factory lookup is a lock and a dictionary search by label and dimensions).
    func published(_ type: WatchedType, reasons: [Reason], lags: [Duration]) {
        guard !reasons.isEmpty else { return }
        var counts: [Reason: Int] = [:]
        for reason in reasons { counts[reason, default: 0] += 1 }
        for (reason, count) in counts {
            Counter(
                label: "hyperfleet_sentinel_events_published_total", dimensions: [("resource_type", type.rawValue), ("reason", reason.rawValue)],
                factory: factory
            ).increment(by: count)
        }
        let lagTimer = Metrics.Timer(
            label: "hyperfleet_sentinel_publish_lag_seconds", dimensions: [("resource_type", type.rawValue)], factory: factory)
        for lag in lags { lagTimer.recordNanoseconds(max(0, Self.nanoseconds(lag))) }
    }

    func publishFailures(_ type: WatchedType, _ count: Int) {
        Counter(label: "hyperfleet_sentinel_publish_failures_total", dimensions: [("resource_type", type.rawValue)], factory: factory)
            .increment(by: count)
    }

    func brokerUp(_ up: Bool) {
        Gauge(label: "hyperfleet_sentinel_broker_up", factory: factory).record(up ? 1 : 0)
    }

    func databaseUp(_ up: Bool) {
        Gauge(label: "hyperfleet_sentinel_database_up", factory: factory).record(up ? 1 : 0)
    }

    func staleAdapters(_ type: WatchedType, adapter: String, count: Int, oldestAgeSeconds: Int64) {
        let dimensions = [("resource_type", type.rawValue), ("adapter", adapter)]
        Gauge(label: "hyperfleet_sentinel_stale_adapters", dimensions: dimensions, factory: factory).record(count)
        Gauge(label: "hyperfleet_sentinel_adapter_report_age_seconds", dimensions: dimensions, factory: factory)
            .record(Double(oldestAgeSeconds))
    }

    /// Reconcile history entries removed by the trim (age or count).
    func historyTrimmed(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "hyperfleet_sentinel_history_trimmed_total", factory: factory).increment(by: count)
    }

    /// `counts`: every (phase, deleting) pair the gauge shows, 0 included, so that a group empties.
    func stuckResources(_ type: WatchedType, counts: [(phase: Phase, deleting: Bool, count: Int)], oldestAgeSeconds: Int64) {
        for (phase, deleting, count) in counts {
            Gauge(
                label: "hyperfleet_sentinel_stuck_resources",
                dimensions: [("resource_type", type.rawValue), ("phase", phase.rawValue), ("deleting", String(deleting))], factory: factory
            ).record(count)
        }
        Gauge(label: "hyperfleet_sentinel_stuck_oldest_seconds", dimensions: [("resource_type", type.rawValue)], factory: factory)
            .record(Double(oldestAgeSeconds))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
