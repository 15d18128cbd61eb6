import Kafka
import HyperFleetModel
import Logging

/// What an alerting episode (stale adapter, stuck resources) says when it opens or closes.
struct EpisodeAnnouncement: Sendable {
    var opened: Logger.Message
    var closed: Logger.Message
    var metadata: Logger.Metadata
    /// The alert event for an opening (false) or a closing (true), or nil when alert events are off.
    var alert: @Sendable (_ recovered: Bool) -> KafkaMessage?
}

extension SentinelEngine {
    /// Opens or closes the episode of `key` and, in the one replica whose statement changed its row,
    /// announces the change once: an error line when it opens, a notice when it closes, and the alert
    /// event. A failed send is a warning: the check itself never fails on the alerts topic.
    func settleEpisode(_ key: EpisodeKey, active: Bool, at now: Timestamp, announcing announcement: EpisodeAnnouncement) async throws
        -> EpisodeChange?
    {
        guard let change = try await store.settleEpisode(key, active: active, at: now) else { return nil }
        let recovered = change == .closed
        if recovered {
            logger.notice(announcement.closed, metadata: announcement.metadata)
        } else {
            logger.error(announcement.opened, metadata: announcement.metadata)
        }
        if let alert = announcement.alert(recovered) {
            do {
                _ = try await producer.send(alert)
            } catch {
                logger.warning("alert event not delivered", metadata: announcement.metadata.merging(["error": "\(error)"]) { $1 })
            }
        }
        return change
    }
}
