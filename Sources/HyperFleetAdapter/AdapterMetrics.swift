import Metrics

/// The adapter's counters; labels are bounded (adapter, resource type, a fixed outcome set, HTTP codes).
struct AdapterMetrics: Sendable {
    let adapter: String
    let resourceType: String
    /// Where the counters are created (the process role's registry, see `Telemetry`).
    let factory: any MetricsFactory

    /// What became of one consumed event.
    enum Outcome: String, Sendable {
        /// A report was stored.
        case reported
        /// A report was stored saying the preconditions are not met.
        case preconditionsNotMet = "preconditions_not_met"
        /// `silent`: nothing reported, on purpose.
        case silent
        /// The resource does not exist (any more): nothing reported.
        case notFound = "not_found"
        /// The record is not a reconcile event for this adapter: logged and skipped.
        case invalid
        /// The API answered 409 twice (after one re-fetch): given up until the next event.
        case conflict
        /// The API refused the report (4xx other than 404/409).
        case rejected
        /// The API stayed unreachable or answered 5xx through every retry.
        case apiError = "api_error"
        /// `crash`: the process exits (or the service throws).
        case crash
    }

    func count(_ outcome: Outcome) {
        Counter(label: "hyperfleet_adapter_events_total", dimensions: [
            ("adapter", adapter), ("resource_type", resourceType), ("outcome", outcome.rawValue),
        ], factory: factory).increment()
    }

    /// One POST of a status report and the HTTP code it got (`error` when no answer came).
    func countReport(code: String) {
        Counter(label: "hyperfleet_adapter_reports_total", dimensions: [
            ("adapter", adapter), ("resource_type", resourceType), ("code", code),
        ], factory: factory).increment()
    }
}
