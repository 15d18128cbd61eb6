/// CONTRACT "Adapter status upsert" as a pure function; the SQL layer calls it under the row lock.
public enum StatusUpsert {
    /// CONTRACT "Adapter status upsert": future generation (> resourceGeneration) -> 409 reason;
    /// out-of-order (lower generation than stored, or same generation with older observed_time) -> 409;
    /// equal generation+time -> accepted (retry). created_time kept (or now on first report);
    /// last_report_time = min(observed_time, now); per-condition last_transition_time kept while that
    /// type's status is unchanged, else = last_report_time. Conflicts return APIError(.conflict, reason).
    public static func merge(existing: AdapterStatus?, report: StatusReport, resourceGeneration: Int64,
                             now: Timestamp) -> Result<AdapterStatus, APIError> {
        if report.observedGeneration > resourceGeneration {
            return .failure(APIError(.conflict,
                "adapter \(report.adapter) reports observed_generation \(report.observedGeneration), "
                + "but the resource is at generation \(resourceGeneration)"))
        }
        if let existing {
            if report.observedGeneration < existing.observedGeneration {
                return .failure(APIError(.conflict,
                    "out-of-order report: adapter \(report.adapter) already reported observed_generation "
                    + "\(existing.observedGeneration), this report has \(report.observedGeneration)"))
            }
            // The stored time is the clamped observed_time; an equal time is a retry and is accepted.
            if report.observedGeneration == existing.observedGeneration, report.observedTime < existing.lastReportTime {
                return .failure(APIError(.conflict,
                    "out-of-order report: adapter \(report.adapter) already reported generation "
                    + "\(existing.observedGeneration) at \(existing.lastReportTime.rfc3339), this report was observed "
                    + "at \(report.observedTime.rfc3339)"))
            }
        }

        // A fast adapter clock must not make a report look fresher than now.
        let reportTime = min(report.observedTime, now)
        let conditions = report.conditions.map { reported in
            let previous = existing?.condition(reported.type)
            let transition = previous.flatMap { $0.status == reported.status ? $0.lastTransitionTime : nil } ?? reportTime
            return AdapterCondition(type: reported.type, status: reported.status, reason: reported.reason,
                                    message: reported.message, lastTransitionTime: transition)
        }
        return .success(AdapterStatus(adapter: report.adapter, observedGeneration: report.observedGeneration,
                                      conditions: conditions, metadata: report.metadata, data: report.data,
                                      createdTime: existing?.createdTime ?? now, lastReportTime: reportTime))
    }
}
