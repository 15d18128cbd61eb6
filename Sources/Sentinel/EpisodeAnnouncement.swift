import Kafka
import Logging

extension SentinelEngine {
    /// Announces that an alerting episode (stale adapter, stuck resources) opened or closed, once: an
    /// error line when it opens, a notice when it closes, and the alert event when one is given. A
    /// failed send is a warning: the check itself never fails on the alerts topic.
    func announceEpisode(
        recovered: Bool, opened openedMessage: Logger.Message, closed closedMessage: Logger.Message, metadata: Logger.Metadata,
        alert: KafkaMessage?
    ) async {
        if recovered {
            logger.notice(closedMessage, metadata: metadata)
        } else {
            logger.error(openedMessage, metadata: metadata)
        }
        guard let alert else { return }
        do {
            _ = try await producer.send(alert)
        } catch {
            logger.warning("alert event not delivered", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}
