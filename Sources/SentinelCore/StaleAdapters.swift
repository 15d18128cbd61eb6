import HyperFleetModel
import Timing

/// Start-up validation of `stale_adapter_after` against the decision settings.
public enum StaleAdapterSettingsCheck {
    /// nil if fine; else a message naming `stale_adapter_after` and the bound it breaks:
    /// must be >= 2 * maxAgeReady and >= 1.1 * max(notReadyBackoffMax, failedBackoffMax) + debounce.
    public static func problem(staleAdapterAfter: Duration, settings: DecisionSettings) -> String? {
        let stale = Microseconds.of(staleAdapterAfter)
        let given = Microseconds.format(stale)
        guard stale > 0 else {
            return "stale_adapter_after (\(given)) must be positive"
        }
        // A Ready resource with healthy adapters may legitimately go one max_age_ready without a report.
        let readyBound = Microseconds.multiply(Microseconds.of(settings.maxAgeReady), 2)
        if stale < readyBound {
            return "stale_adapter_after (\(given)) must be at least 2 * max_age_ready (\(Microseconds.format(readyBound)))"
        }
        // A backing-off resource may wait a full jittered backoff plus the debounce between events.
        let largestMax = Swift.max(Microseconds.of(settings.notReadyBackoffMax), Microseconds.of(settings.failedBackoffMax))
        let debounce = Microseconds.of(settings.debounce)
        // Compared in tenths so that 1.1 * max is exact: 10 * stale >= 11 * max + 10 * debounce.
        let scaledBound = Microseconds.add(Microseconds.multiply(largestMax, 11), Microseconds.multiply(debounce, 10))
        if Microseconds.multiply(stale, 10) < scaledBound {
            let oneTenthMore = Microseconds.add(largestMax, largestMax / 10)
            let bound = Microseconds.format(Microseconds.add(oneTenthMore, debounce))
            return "stale_adapter_after (\(given)) must be at least "
                + "1.1 * max(not_ready_backoff_max, failed_backoff_max) + debounce (\(bound))"
        }
        return nil
    }
}

/// Which adapters count as stale on a resource (SENTINEL.md, "Stale adapters").
public enum StaleAdapterRule {
    /// True when a required adapter's last report (or, never having reported, the resource's
    /// creation) is at least `staleAfter` old at `now`.
    public static func isStale(lastReportTime: Timestamp?, createdTime: Timestamp, now: Timestamp, staleAfter: Duration) -> Bool {
        (lastReportTime ?? createdTime) <= threshold(now: now, staleAfter: staleAfter)
    }

    /// Reports at or before this instant are stale at `now` (the bound the liveness queries use).
    public static func threshold(now: Timestamp, staleAfter: Duration) -> Timestamp {
        now - staleAfter
    }

    /// Whole seconds since the oldest report, 0 when there is none (or it lies in the future).
    public static func reportAgeSeconds(oldest: Timestamp?, now: Timestamp) -> Int64 {
        guard let oldest else { return 0 }
        return Swift.max(0, (now - oldest).components.seconds)
    }
}
