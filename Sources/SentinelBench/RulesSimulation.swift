import SentinelCore
import HyperFleetModel

/// Figure 4: one simulated hour of the pure decision rules (default settings), event-driven: each
/// resource is looked at exactly when its `nextDueAt` says (what the due index gives the engine),
/// every publish is acknowledged at once. Compared with the Go Sentinel's rules, simulated with its
/// 5 s poll: NotReady publishes when 10 s have passed since its last event; Ready publishes on every
/// poll once `last_updated` is at least 30 minutes old.
struct RulesSimulation {
    var resources: Int
    var hour: Duration = .seconds(3600)

    struct Counts {
        var notReady: Int
        var readyStale: Int
        var goNotReady: Int
        var goReadyStale: Int
        var notReadyTimeline: [Double]
    }

    func run() -> Counts {
        let settings = DecisionSettings()
        let start = Timestamp(microsecondsSinceEpoch: 1_800_000_000_000_000)
        let end = start + hour

        // 1,000 new NotReady clusters whose adapters never report.
        var notReady = 0
        var timeline: [Double] = []
        for index in 0..<resources {
            let snapshot = ResourceObservation(
                id: "notready-\(index)", kind: .cluster, generation: 1, createdTime: start, phase: .notReady,
                requiredAdapters: ["dns", "hypershift", "pullsecret", "validation"].map { AdapterProgress(adapter: $0) })
            let times = simulate(snapshot, record: nil, from: start, until: end, settings: settings)
            notReady += times.count
            if index == 0 { timeline = times.map { ($0 - start).inMilliseconds / 1000 } }
        }

        // 1,000 Ready clusters whose adapter dies at t = 0: status.last_updated_time stays at 0 (the
        // dead adapter's last report is the minimum); their last event was 1-30 minutes earlier.
        var readyStale = 0
        for index in 0..<resources {
            let snapshot = ResourceObservation(
                id: "ready-\(index)", kind: .cluster, generation: 1, createdTime: start - .seconds(86_400), phase: .ready,
                lastTransitionTime: start - .seconds(3600), lastUpdatedTime: start, newestReportTime: start, anyAdapterReported: true,
                requiredAdapters: ["dns", "hypershift", "pullsecret", "validation"].map {
                    AdapterProgress(adapter: $0, observedGeneration: 1, available: "True")
                })
            let lastEvent = start - .seconds(60 + (index * 29 * 60) / max(resources, 1))
            let record = PublishRecord(
                publishedGeneration: 1, publishedAt: lastEvent, publishedReason: .readyStale, attempts: 1,
                progressMark: DecisionRules.progressMark(snapshot))
            readyStale += simulate(snapshot, record: record, from: start, until: end, settings: settings).count
        }

        // The Go rules, polled every 5 s over the same hour.
        var goNotReady = 0
        var goReadyStale = 0
        let poll: Duration = .seconds(5)
        for _ in 0..<resources {
            var lastEvent: Timestamp?
            var now = start
            while now < end {
                if lastEvent.map({ now - $0 >= .seconds(10) }) ?? true {
                    goNotReady += 1
                    lastEvent = now
                }
                now += poll
            }
            now = start
            while now < end {
                if now - start >= .seconds(1800) { goReadyStale += 1 }
                now += poll
            }
        }
        return Counts(notReady: notReady, readyStale: readyStale, goNotReady: goNotReady, goReadyStale: goReadyStale, notReadyTimeline: timeline)
    }

    /// Publish instants in [from, until) for one resource whose state does not change.
    private func simulate(
        _ snapshot: ResourceObservation, record initial: PublishRecord?, from: Timestamp, until: Timestamp, settings: DecisionSettings
    ) -> [Timestamp] {
        var record = initial
        var now = from
        var published: [Timestamp] = []
        while now < until {
            let decision = DecisionRules.decide(snapshot, record: record, now: now, settings: settings)
            if let reason = decision.publish {
                published.append(now)
                record = DecisionRules.recorded(decision, snapshot: snapshot, reason: reason, at: now)
                let next = DecisionRules.decide(snapshot, record: record, now: now, settings: settings)
                guard next.publish == nil, let due = next.nextDueAt else {
                    // Would publish again at once: the engine waits a debounce (see SentinelEngine.publish).
                    now = now + settings.debounce
                    continue
                }
                now = due
            } else {
                guard let due = decision.nextDueAt, due > now else { break }
                now = due
            }
        }
        return published
    }
}
