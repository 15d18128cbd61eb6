import Foundation
import HyperFleetJSON
import HyperFleetModel
import HyperFleetTracing
import Kafka
import SentinelCore
import Tracing

/// Builds the CloudEvents the Sentinel publishes.
struct ReconcileEvents: Sendable {
    let source: String
    let mode: CloudEventMode
    let topics: [WatchedType: String]
    let alertsTopic: String

    static func eventType(_ type: WatchedType) -> String {
        type == .clusters ? "com.redhat.hyperfleet.cluster.reconcile" : "com.redhat.hyperfleet.nodepool.reconcile"
    }

    /// The reconcile event for one decision: key = resource id, data = {id, kind, href, generation, reason, ...};
    /// with the event's id, for the publish log. `trace`: the publish span's context, carried as the
    /// CloudEvents distributed-tracing extension (`ce_traceparent`/`ce_tracestate` in binary mode).
    func reconcile(
        _ type: WatchedType, state: ResourceState, reason: Reason, at time: Date, trace: (tracer: any Tracer, context: ServiceContext)? = nil
    ) -> (id: String, message: KafkaMessage) {
        let id = state.observation.id
        var data: [String: JSONValue] = [
            "id": .string(id), "generation": .int(state.observation.generation), "reason": .string(reason.rawValue),
        ]
        switch type {
        case .clusters:
            data["kind"] = .string("Cluster")
            data["href"] = .string(Paths.cluster(id))
        case .nodepools:
            let clusterID = state.clusterID ?? ""
            data["kind"] = .string("NodePool")
            data["href"] = .string(Paths.nodePool(clusterID: clusterID, id: id))
            data["owner_references"] = .object([
                "id": .string(clusterID), "kind": .string("Cluster"), "href": .string(Paths.cluster(clusterID)),
            ])
        }
        // A reconcile request on a deleting resource pokes its deletion again (OPERATIONS.md).
        if reason == .deleted || (reason == .requested && state.observation.deletedTime != nil) { data["deleted"] = .bool(true) }
        var event = CloudEvent(
            source: source, type: Self.eventType(type), time: time, subject: id, extensions: ["reason": reason.rawValue],
            data: Array(JSONValue.object(data).serialized().utf8))
        if let trace { trace.tracer.inject(trace.context, into: &event, using: CloudEventInjector()) }
        return (event.id, event.kafkaMessage(topic: topics[type]!, key: id, mode: mode))
    }

    /// `com.redhat.hyperfleet.adapter.stale` / `.recovered` for one adapter episode.
    func alert(_ episode: StaleEpisode, recovered: Bool, at time: Date) -> KafkaMessage {
        let data: JSONValue = .object([
            "adapter": .string(episode.adapter), "resource_type": .string(episode.type.rawValue),
            "resources": .int(Int64(episode.count)), "sample_ids": .array(episode.sampleIDs.map(JSONValue.string)),
            "oldest_report_age_seconds": .int(episode.oldestAgeSeconds),
        ])
        let event = CloudEvent(
            source: source, type: recovered ? "com.redhat.hyperfleet.adapter.recovered" : "com.redhat.hyperfleet.adapter.stale",
            time: time, subject: "\(episode.type.rawValue)/\(episode.adapter)", data: Array(data.serialized().utf8))
        return event.kafkaMessage(topic: alertsTopic, key: "\(episode.type.rawValue)/\(episode.adapter)", mode: mode)
    }

    /// `com.redhat.hyperfleet.resource.stuck` / `.unstuck` for one resource type's stuck episode.
    func alert(_ episode: StuckEpisode, recovered: Bool, at time: Date) -> KafkaMessage {
        let data: JSONValue = .object([
            "resource_type": .string(episode.type.rawValue), "resources": .int(Int64(episode.count)),
            "deleting": .int(Int64(episode.deleting)), "sample_ids": .array(episode.sampleIDs.map(JSONValue.string)),
            "oldest_age_seconds": .int(episode.oldestAgeSeconds),
        ])
        let event = CloudEvent(
            source: source, type: recovered ? "com.redhat.hyperfleet.resource.unstuck" : "com.redhat.hyperfleet.resource.stuck",
            time: time, subject: episode.type.rawValue, data: Array(data.serialized().utf8))
        return event.kafkaMessage(topic: alertsTopic, key: episode.type.rawValue, mode: mode)
    }
}
