@testable import SentinelCore
import HyperFleetModel

/// Shorthands so that test tables read in seconds.
enum Fixture {
    static let id = "2f6c1a9e-cluster-a"
    static let defaults = DecisionSettings()

    /// The instant `seconds` after the epoch.
    static func at(_ seconds: Int64) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: seconds * 1_000_000)
    }

    /// One microsecond before `instant`.
    static func justBefore(_ instant: Timestamp) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: instant.microsecondsSinceEpoch - 1)
    }

    /// Two required adapters that never reported.
    static let silentAdapters = [AdapterProgress(adapter: "dns"), AdapterProgress(adapter: "validation")]

    /// A resource created at 0; every field overridable.
    static func snapshot(
        id: String = Fixture.id,
        kind: ResourceKind = .cluster,
        generation: Int64 = 1,
        createdTime: Timestamp = at(0),
        deletedTime: Timestamp? = nil,
        phase: Phase = .notReady,
        lastTransitionTime: Timestamp? = nil,
        lastUpdatedTime: Timestamp? = nil,
        newestReportTime: Timestamp? = nil,
        anyAdapterReported: Bool = false,
        requiredAdapters: [AdapterProgress] = silentAdapters
    ) -> ResourceObservation {
        ResourceObservation(
            id: id, kind: kind, generation: generation, createdTime: createdTime, deletedTime: deletedTime,
            phase: phase, lastTransitionTime: lastTransitionTime, lastUpdatedTime: lastUpdatedTime,
            newestReportTime: newestReportTime, anyAdapterReported: anyAdapterReported,
            requiredAdapters: requiredAdapters)
    }

    /// A record whose mark matches `snapshot` (so `attempts` counts), unless `mark` is given.
    static func record(
        for snapshot: ResourceObservation,
        generation: Int64? = nil,
        at publishedAt: Timestamp,
        reason: Reason,
        attempts: Int,
        mark: String? = nil
    ) -> PublishRecord {
        PublishRecord(
            publishedGeneration: generation ?? snapshot.generation, publishedAt: publishedAt,
            publishedReason: reason, attempts: attempts,
            progressMark: mark ?? DecisionRules.progressMark(snapshot))
    }

    /// One published event in a simulation.
    struct Event: Equatable {
        var at: Timestamp
        var reason: Reason
    }

    /// Runs decide/recorded in a loop, jumping `now` to each `nextDueAt` (or an earlier `wakes` instant,
    /// standing in for a change-table wake-up), until `end`; `change` may alter the snapshot at each step.
    static func simulate(
        _ start: ResourceObservation,
        record initial: PublishRecord? = nil,
        from begin: Timestamp,
        until end: Timestamp,
        settings: DecisionSettings = defaults,
        wakeAt wakes: [Timestamp] = [],
        change: (Timestamp, inout ResourceObservation) -> Void = { _, _ in }
    ) -> [Event] {
        var snapshot = start
        var record = initial
        var now = begin
        var events: [Event] = []
        // Bounded so that a rule bug (nextDueAt not advancing) fails the test instead of hanging.
        for _ in 0..<10_000 {
            guard now <= end else { break }
            change(now, &snapshot)
            let decision = DecisionRules.decide(snapshot, record: record, now: now, settings: settings)
            if let reason = decision.publish {
                record = DecisionRules.recorded(decision, snapshot: snapshot, reason: reason, at: now)
                events.append(Event(at: now, reason: reason))
            }
            guard let due = decision.nextDueAt, due > now else { break }
            let wake = wakes.filter { $0 > now }.min()
            now = wake.map { min($0, due) } ?? due
        }
        return events
    }

    /// Seconds between consecutive events.
    static func gaps(_ events: [Event]) -> [Double] {
        zip(events, events.dropFirst()).map { pair in
            Double(pair.1.at.microsecondsSinceEpoch - pair.0.at.microsecondsSinceEpoch) / 1_000_000
        }
    }
}
