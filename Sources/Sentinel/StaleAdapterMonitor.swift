import Foundation
import Kafka
import Logging
import SentinelCore
import HyperFleetModel

/// An adapter that stopped reporting for some resources of a type.
public struct StaleEpisode: Sendable, Equatable {
    public var type: WatchedType
    public var adapter: String
    public var count: Int
    public var sampleIDs: [String]
    public var oldestAgeSeconds: Int64
}

/// What one stale check found and announced.
public struct StaleCheckResult: Sendable, Equatable {
    public var stale: [StaleEpisode] = []
    public var opened: [StaleEpisode] = []
    public var closed: [StaleEpisode] = []
}

/// Checks adapter liveness from the liveness table (one indexed query per adapter), keeps the two
/// gauges current, and announces each episode once (log line and, when enabled, a CloudEvent):
/// the replica whose insert opens the episode row announces it; the one whose delete closes it
/// announces the recovery.
public struct StaleAdapterMonitor: Sendable {
    let engine: SentinelEngine

    public init(engine: SentinelEngine) {
        self.engine = engine
    }

    @discardableResult
    public func check(_ type: WatchedType) async throws -> StaleCheckResult {
        let now = engine.clock.now()
        let threshold = StaleAdapterRule.threshold(now: now, staleAfter: engine.settings.staleAdapterAfter)
        let store = engine.store
        let required = try await store.pool.withConnection { try await store.requiredAdapters(type, on: $0) }
        var result = StaleCheckResult()
        for adapter in required {
            let oldest = try await store.oldestReport(type, adapter: adapter)
            let staleCount = try await store.staleCount(type, adapter: adapter, threshold: threshold)
            let oldestAge = StaleAdapterRule.reportAgeSeconds(oldest: oldest, now: now)
            engine.metrics.staleAdapters(type, adapter: adapter, count: staleCount, oldestAgeSeconds: oldestAge)
            let samples = staleCount > 0
                ? try await store.staleSamples(type, adapter: adapter, threshold: threshold, limit: EpisodeKey.sampleSize) : []
            let episode = StaleEpisode(type: type, adapter: adapter, count: staleCount, sampleIDs: samples, oldestAgeSeconds: oldestAge)
            if staleCount > 0 { result.stale.append(episode) }
            switch try await engine.settleEpisode(
                .staleAdapter(type, adapter: adapter), active: staleCount > 0, at: now, announcing: announcement(episode))
            {
            case .opened?: result.opened.append(episode)
            case .closed?: result.closed.append(episode)
            case nil: break
            }
        }
        try await store.endEpisodesOfUnrequiredAdapters(type)
        return result
    }

    private func announcement(_ episode: StaleEpisode) -> EpisodeAnnouncement {
        let events = engine.settings.staleAlertEvents ? engine.events : nil
        return EpisodeAnnouncement(
            opened: "adapter is stale: no report within stale_adapter_after",
            closed: "adapter recovered: reporting again on every resource",
            metadata: [
                "adapter": "\(episode.adapter)", "resource_type": "\(episode.type.rawValue)", "resources": "\(episode.count)",
                "sample_ids": "\(episode.sampleIDs.joined(separator: ","))", "oldest_report_age_seconds": "\(episode.oldestAgeSeconds)",
            ],
            alert: { recovered in events?.alert(episode, recovered: recovered, at: Date()) })
    }
}
