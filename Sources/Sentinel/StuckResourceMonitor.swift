import Foundation
import Logging
import SentinelCore
import HyperFleetModel

/// The stuck resources of one type (OPERATIONS.md "Stuck resources") as one check found them.
public struct StuckEpisode: Sendable, Equatable {
    public var type: WatchedType
    /// Stuck resources in all, and how many of them are deleting.
    public var count: Int
    public var deleting: Int
    /// Up to ten ids, longest stuck first.
    public var sampleIDs: [String]
    public var oldestAgeSeconds: Int64
}

/// What one stuck check found and announced.
public struct StuckCheckResult: Sendable, Equatable {
    public var stuck: StuckEpisode
    /// True when this replica opened the episode (announced it), or closed it (announced the end).
    public var opened = false
    public var closed = false
}

/// Finds the stuck resources of a type with one indexed query, keeps the two gauges current, and
/// announces each episode once per type (log line and, when enabled, a CloudEvent on the alerts
/// topic) through the same episode rows as the stale-adapter check. Paused resources are left out.
public struct StuckResourceMonitor: Sendable {
    let engine: SentinelEngine

    public init(engine: SentinelEngine) {
        self.engine = engine
    }

    /// The (phase, deleting) pairs the gauge may show: every one is recorded, 0 when none is stuck.
    /// A live Ready resource is never stuck; a deleting one may be in any phase.
    static let gaugeGroups: [(phase: Phase, deleting: Bool)] =
        Phase.allCases.filter { $0 != .ready }.map { ($0, false) } + Phase.allCases.map { ($0, true) }

    @discardableResult
    public func check(_ type: WatchedType) async throws -> StuckCheckResult {
        let now = engine.clock.now()
        let summary = try await engine.store.stuckResources(
            type, notReadySince: now - engine.settings.stuckAfter, deletingSince: now - engine.settings.stuckDeleteAfter,
            sampleSize: EpisodeKey.sampleSize)
        let oldestAge = summary.oldestSince.map { Swift.max(0, (now - $0).components.seconds) } ?? 0
        let counts = Self.gaugeGroups.map { group in
            (phase: group.phase, deleting: group.deleting,
             count: summary.groups.first { $0.phase == group.phase && $0.deleting == group.deleting }?.count ?? 0)
        }
        engine.metrics.stuckResources(type, counts: counts, oldestAgeSeconds: oldestAge)
        let episode = StuckEpisode(
            type: type, count: summary.count, deleting: summary.groups.filter(\.deleting).reduce(0) { $0 + $1.count },
            sampleIDs: summary.sampleIDs, oldestAgeSeconds: oldestAge)
        var result = StuckCheckResult(stuck: episode)
        switch try await engine.settleEpisode(.stuckResources(type), active: episode.count > 0, at: now, announcing: announcement(episode)) {
        case .opened?: result.opened = true
        case .closed?: result.closed = true
        case nil: break
        }
        return result
    }

    private func announcement(_ episode: StuckEpisode) -> EpisodeAnnouncement {
        let events = engine.settings.stuckAlertEvents ? engine.events : nil
        return EpisodeAnnouncement(
            opened: "resources are stuck: not Ready for longer than stuck_after, or deleting for longer than stuck_delete_after",
            closed: "stuck resources recovered: none stuck any more",
            metadata: [
                "resource_type": "\(episode.type.rawValue)", "resources": "\(episode.count)", "deleting": "\(episode.deleting)",
                "sample_ids": "\(episode.sampleIDs.joined(separator: ","))", "oldest_age_seconds": "\(episode.oldestAgeSeconds)",
            ],
            alert: { recovered in events?.alert(episode, recovered: recovered, at: Date()) })
    }
}
