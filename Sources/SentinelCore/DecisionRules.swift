import HyperFleetModel

/// The Sentinel's pure decision rules (SENTINEL.md, "Decision rules"): no I/O, no clock of their own.
public enum DecisionRules {
    /// The rules, first match wins; exactly at a threshold publishes: paused (nothing publishes),
    /// 0 deleted, 1 created, 2 generation_changed, requested, 3 backoff, 4 ready_stale. When nothing
    /// publishes now, `nextDueAt` is the earliest instant at which a rule would publish if nothing
    /// changes (`nextReason` that rule); when it publishes, they are what they would be once this
    /// publish is recorded at `now`.
    public static func decide(_ s: ResourceObservation, record: PublishRecord?, now: Timestamp, settings: DecisionSettings) -> Decision {
        let mark = progressMark(s)
        // Attempts count only against the mark they were made under: any progress starts afresh.
        let attempts = record.map { $0.progressMark == mark ? $0.attempts : 0 } ?? 0

        // Paused: no rule applies and nothing is due; the resume writes a change row, so the next
        // look decides again.
        if s.paused {
            return Decision(publish: nil, nextDueAt: nil, progressMark: mark, attempts: attempts)
        }

        let reason: Reason
        if let immediate = immediateReason(s, record: record) {
            reason = immediate
        } else if let record {
            let timed = timedRule(s, record: record, attempts: attempts, settings: settings)
            guard now >= timed.dueAt else {
                return Decision(publish: nil, nextDueAt: timed.dueAt, nextReason: timed.reason, progressMark: mark, attempts: attempts)
            }
            reason = timed.reason
        } else {
            // Unreachable: without a record rule 0, 1 or 2 always matches. Publishing is the safe side.
            reason = .generationChanged
        }

        // Look ahead as if this publish were already recorded at `now`.
        let publishing = Decision(publish: reason, nextDueAt: nil, progressMark: mark, attempts: attempts)
        let after = recorded(publishing, snapshot: s, reason: reason, at: now)
        let next = timedRule(s, record: after, attempts: after.attempts, settings: settings)
        return Decision(publish: reason, nextDueAt: next.dueAt, nextReason: next.reason, progressMark: mark, attempts: attempts)
    }

    /// The record after a publish was acknowledged at `at`. The event serves every reconcile request
    /// the snapshot saw, whatever its reason.
    public static func recorded(_ d: Decision, snapshot: ResourceObservation, reason: Reason, at: Timestamp) -> PublishRecord {
        PublishRecord(
            publishedGeneration: snapshot.generation,
            publishedAt: at,
            publishedReason: reason,
            attempts: d.attempts + 1,
            progressMark: d.progressMark,
            servedRequestSeq: snapshot.requestSeq
        )
    }

    /// Whether a reconcile request is waiting for an event (sequence numbers, never clocks).
    public static func requestPending(_ s: ResourceObservation, record: PublishRecord?) -> Bool {
        s.requestSeq > (record?.servedRequestSeq ?? 0)
    }

    /// Whether the record shows that this generation's deletion was already announced.
    ///
    /// Why more than the reason: after the `deleted` event, rule 3 publishes `not_ready_backoff` (or a
    /// reconcile request `requested`) for the same generation, which overwrites `published_reason`. Such an event can only follow the `deleted`
    /// one when it was decided on this deleting snapshot (same progress mark, which includes
    /// `deleted_time`) or acknowledged at or after `deleted_time`; either proves the announcement.
    public static func deletionAnnounced(_ s: ResourceObservation, record: PublishRecord?) -> Bool {
        guard let deletedTime = s.deletedTime, let record else { return false }
        guard record.publishedGeneration >= s.generation else { return false }
        switch record.publishedReason {
        case .deleted:
            return true
        case .notReadyBackoff, .requested:
            return record.publishedAt >= deletedTime || record.progressMark == progressMark(s)
        case .created, .generationChanged, .failedBackoff, .readyStale:
            return false
        }
    }

    /// Rules 0–2 and requested, which publish at once whatever the time.
    static func immediateReason(_ s: ResourceObservation, record: PublishRecord?) -> Reason? {
        if s.deletedTime != nil && !deletionAnnounced(s, record: record) {
            return .deleted
        }
        guard let record else {
            return s.generation == 1 && !s.anyAdapterReported ? .created : .generationChanged
        }
        if s.generation > record.publishedGeneration {
            return .generationChanged
        }
        return requestPending(s, record: record) ? .requested : nil
    }

    /// Rules 3–4: which time-driven rule applies and the earliest instant it publishes.
    static func timedRule(
        _ s: ResourceObservation, record: PublishRecord, attempts: Int, settings: DecisionSettings
    ) -> (reason: Reason, dueAt: Timestamp) {
        let phaseRule: Phase = s.deletedTime != nil ? .notReady : s.phase
        switch phaseRule {
        case .notReady:
            return (.notReadyBackoff, backoffDue(
                s, record: record, attempts: attempts,
                base: settings.notReadyBackoffBase, max: settings.notReadyBackoffMax, debounce: settings.debounce))
        case .failed:
            return (.failedBackoff, backoffDue(
                s, record: record, attempts: attempts,
                base: settings.failedBackoffBase, max: settings.failedBackoffMax, debounce: settings.debounce))
        case .ready:
            let staleByStatus = s.lastUpdatedTime + settings.maxAgeReady
            let staleByEvent = record.publishedAt + settings.maxAgeReady
            return (.readyStale, Swift.max(staleByStatus, staleByEvent))
        }
    }

    /// Rule 3's threshold: both the backoff since the last event and the debounce since the newest report.
    static func backoffDue(
        _ s: ResourceObservation, record: PublishRecord, attempts: Int, base: Duration, max: Duration, debounce: Duration
    ) -> Timestamp {
        let backoffExpiry = record.publishedAt + backoff(attempts: attempts, base: base, max: max, resourceID: s.id)
        let quietSince = (s.newestReportTime ?? s.createdTime) + debounce
        return Swift.max(backoffExpiry, quietSince)
    }
}
