import Foundation
import Kafka
import Logging
import Postgres
import SentinelCore

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
        let threshold = now - engine.settings.staleAdapterAfter
        let pool = engine.store.pool
        let micros = SentinelStore.micros("min(last_report_time)")
        let required = try await pool.query(
            "SELECT adapter FROM hyperfleet_required_adapters WHERE resource_type = $1 ORDER BY adapter", [type.rawValue]
        ).map { try $0.text("adapter") }
        var result = StaleCheckResult()
        for adapter in required {
            // Both answered from the (resource_type, adapter, last_report_time) index: the oldest entry,
            // and the range of entries past the threshold (O(stale), never O(total)).
            let oldest = try await pool.query(
                "SELECT \(micros) AS oldest FROM sentinel_adapter_liveness WHERE resource_type = $1 AND adapter = $2",
                [type.rawValue, adapter]
            ).first?.optionalInt("oldest").map(Instant.init(microseconds:))
            let staleCount = Int(try await pool.query(
                """
                SELECT count(*) AS stale FROM sentinel_adapter_liveness
                WHERE resource_type = $1 AND adapter = $2 AND last_report_time <= $3::timestamptz
                """, [type.rawValue, adapter, threshold.sqlText]
            ).first?.int("stale") ?? 0)
            let oldestAge = oldest.map { Int64((now - $0).components.seconds) } ?? 0
            SentinelMetrics.staleAdapters(type, adapter: adapter, count: staleCount, oldestAgeSeconds: max(0, oldestAge))
            if staleCount > 0 {
                let samples = try await pool.query(
                    """
                    SELECT resource_id FROM sentinel_adapter_liveness
                    WHERE resource_type = $1 AND adapter = $2 AND last_report_time <= $3::timestamptz
                    ORDER BY last_report_time LIMIT 10
                    """, [type.rawValue, adapter, threshold.sqlText]
                ).map { try $0.text("resource_id") }
                let episode = StaleEpisode(type: type, adapter: adapter, count: staleCount, sampleIDs: samples, oldestAgeSeconds: oldestAge)
                result.stale.append(episode)
                let opened = try await pool.query(
                    """
                    INSERT INTO sentinel_stale_episodes (resource_type, adapter, started_at) VALUES ($1, $2, $3::timestamptz)
                    ON CONFLICT DO NOTHING RETURNING adapter
                    """, [type.rawValue, adapter, now.sqlText])
                if !opened.isEmpty {
                    result.opened.append(episode)
                    try await announce(episode, recovered: false)
                }
            } else {
                let closed = try await pool.query(
                    "DELETE FROM sentinel_stale_episodes WHERE resource_type = $1 AND adapter = $2 RETURNING adapter",
                    [type.rawValue, adapter])
                if !closed.isEmpty {
                    let episode = StaleEpisode(type: type, adapter: adapter, count: 0, sampleIDs: [], oldestAgeSeconds: oldestAge)
                    result.closed.append(episode)
                    try await announce(episode, recovered: true)
                }
            }
        }
        // Episodes of adapters that are no longer required end too.
        _ = try await pool.query(
            """
            DELETE FROM sentinel_stale_episodes e WHERE e.resource_type = $1
              AND NOT EXISTS (SELECT 1 FROM hyperfleet_required_adapters r WHERE r.resource_type = e.resource_type AND r.adapter = e.adapter)
            """, [type.rawValue])
        return result
    }

    private func announce(_ episode: StaleEpisode, recovered: Bool) async throws {
        let metadata: Logger.Metadata = [
            "adapter": "\(episode.adapter)", "resource_type": "\(episode.type.rawValue)", "resources": "\(episode.count)",
            "sample_ids": "\(episode.sampleIDs.joined(separator: ","))", "oldest_report_age_seconds": "\(episode.oldestAgeSeconds)",
        ]
        if recovered {
            engine.logger.notice("adapter recovered: reporting again on every resource", metadata: metadata)
        } else {
            engine.logger.error("adapter is stale: no report within stale_adapter_after", metadata: metadata)
        }
        guard engine.settings.staleAlertEvents else { return }
        do {
            _ = try await engine.producer.send(engine.events.alert(episode, recovered: recovered, at: Date()))
        } catch {
            engine.logger.warning("stale-adapter alert event not delivered", metadata: ["error": "\(error)", "adapter": "\(episode.adapter)"])
        }
    }
}
