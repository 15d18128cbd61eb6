import Metrics
import SentinelCore

/// The Sentinel's metrics, prefix `hyperfleet_sentinel_`, with bounded labels only.
struct SentinelMetrics: Sendable {
    func recordLook(_ type: WatchedType, _ result: LookResult, duration: Duration, at now: Instant) {
        Metrics.Timer(label: "hyperfleet_sentinel_poll_duration_seconds", dimensions: [("resource_type", type.rawValue)])
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        Gauge(label: "hyperfleet_sentinel_last_successful_poll_timestamp_seconds")
            .record(Double(now.microseconds) / 1_000_000)
    }

    func due(_ type: WatchedType, _ count: Int) {
        Gauge(label: "hyperfleet_sentinel_resources_due", dimensions: [("resource_type", type.rawValue)]).record(count)
    }

    func published(_ type: WatchedType, reason: Reason, lag: Duration) {
        Counter(label: "hyperfleet_sentinel_events_published_total", dimensions: [("resource_type", type.rawValue), ("reason", reason.rawValue)])
            .increment()
        Metrics.Timer(label: "hyperfleet_sentinel_publish_lag_seconds", dimensions: [("resource_type", type.rawValue)])
            .recordNanoseconds(max(0, lag.components.seconds * 1_000_000_000 + lag.components.attoseconds / 1_000_000_000))
    }

    func publishFailures(_ type: WatchedType, _ count: Int) {
        Counter(label: "hyperfleet_sentinel_publish_failures_total", dimensions: [("resource_type", type.rawValue)])
            .increment(by: count)
    }

    static func brokerUp(_ up: Bool) {
        Gauge(label: "hyperfleet_sentinel_broker_up").record(up ? 1 : 0)
    }

    static func databaseUp(_ up: Bool) {
        Gauge(label: "hyperfleet_sentinel_database_up").record(up ? 1 : 0)
    }

    static func staleAdapters(_ type: WatchedType, adapter: String, count: Int, oldestAgeSeconds: Int64) {
        let dimensions = [("resource_type", type.rawValue), ("adapter", adapter)]
        Gauge(label: "hyperfleet_sentinel_stale_adapters", dimensions: dimensions).record(count)
        Gauge(label: "hyperfleet_sentinel_adapter_report_age_seconds", dimensions: dimensions).record(Double(oldestAgeSeconds))
    }
}
