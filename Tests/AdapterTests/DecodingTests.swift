import Foundation
@testable import HyperFleetAdapter
import HyperFleetModel
import Kafka
import Testing

@Suite struct DecodingTests {
    let clusterID = ResourceID.generate()
    let nodePoolID = ResourceID.generate()

    func record(_ event: CloudEvent, mode: CloudEventMode, topic: String = "hyperfleet-clusters") -> KafkaConsumerMessage {
        let message = event.kafkaMessage(topic: topic, key: event.subject ?? "", mode: mode)
        return KafkaConsumerMessage(topic: topic, key: message.key, value: message.value, headers: message.headers)
    }

    func clusterEvent(data: String) -> CloudEvent {
        CloudEvent(
            source: "hyperfleet-sentinel", type: AdapterResourceType.clusters.eventType, time: Date(), subject: clusterID,
            extensions: ["reason": "created"], data: Array(data.utf8))
    }

    @Test(arguments: [CloudEventMode.binary, .structured])
    func clusterEventInEitherMode(mode: CloudEventMode) throws {
        let event = clusterEvent(data: #"{"id":"\#(clusterID)","kind":"Cluster","generation":3,"reason":"generation_changed"}"#)
        let request = try ReconcileRequest.decode(record(event, mode: mode), for: .clusters)
        #expect(request.target == .cluster(id: clusterID))
        #expect(request.generation == 3)
        #expect(request.reason == "generation_changed")
    }

    @Test func nodePoolEventFindsItsCluster() throws {
        let data = #"{"id":"\#(nodePoolID)","kind":"NodePool","generation":1,"reason":"created","owner_references":{"id":"\#(clusterID)","kind":"Cluster"}}"#
        let event = CloudEvent(
            source: "s", type: AdapterResourceType.nodepools.eventType, subject: nodePoolID, data: Array(data.utf8))
        let request = try ReconcileRequest.decode(record(event, mode: .binary, topic: "hyperfleet-nodepools"), for: .nodepools)
        #expect(request.target == .nodePool(clusterID: clusterID, id: nodePoolID))
        #expect(request.target.path == Paths.nodePool(clusterID: clusterID, id: nodePoolID))

        // Without owner_references the href still names the cluster.
        let hrefOnly = #"{"id":"\#(nodePoolID)","href":"\#(Paths.nodePool(clusterID: clusterID, id: nodePoolID))"}"#
        let second = CloudEvent(source: "s", type: AdapterResourceType.nodepools.eventType, data: Array(hrefOnly.utf8))
        #expect(try ReconcileRequest.decode(record(second, mode: .binary), for: .nodepools).target == .nodePool(clusterID: clusterID, id: nodePoolID))
    }

    @Test func badRecordsAreRejectedWithAReason() throws {
        let garbage = KafkaConsumerMessage(topic: "t", value: Array("not json".utf8))
        #expect(throws: ReconcileEventError.self) { try ReconcileRequest.decode(garbage, for: .clusters) }

        let structuredGarbage = KafkaConsumerMessage(
            topic: "t", value: Array("{".utf8), headers: [KafkaHeader(key: "content-type", string: "application/cloudevents+json")])
        #expect(throws: ReconcileEventError.self) { try ReconcileRequest.decode(structuredGarbage, for: .clusters) }

        let wrongType = clusterEvent(data: #"{"id":"\#(clusterID)"}"#)
        #expect(throws: ReconcileEventError.self) { try ReconcileRequest.decode(record(wrongType, mode: .binary), for: .nodepools) }

        let notObject = clusterEvent(data: "[1,2]")
        #expect(throws: ReconcileEventError.self) { try ReconcileRequest.decode(record(notObject, mode: .binary), for: .clusters) }

        var badID = clusterEvent(data: #"{"id":"../../etc"}"#)
        badID.subject = nil
        #expect(throws: ReconcileEventError.self) { try ReconcileRequest.decode(record(badID, mode: .binary), for: .clusters) }

        let noCluster = CloudEvent(
            source: "s", type: AdapterResourceType.nodepools.eventType, data: Array(#"{"id":"\#(nodePoolID)"}"#.utf8))
        #expect(throws: ReconcileEventError.self) { try ReconcileRequest.decode(record(noCluster, mode: .binary), for: .nodepools) }
    }

    @Test func jobResultsFollowTime() {
        let start = ContinuousClock.now
        let job = SimulatedJob.start(.work, behaviour: .succeed, generation: 2, jobDuration: .seconds(1), now: start)!
        #expect(job.conditions(at: start).first { $0.type == "Available" }?.status == .false)
        #expect(job.conditions(at: start + .seconds(1)).first { $0.type == "Available" }?.status == .true)
        let slow = SimulatedJob.start(.work, behaviour: .slow, generation: 2, jobDuration: .seconds(1), now: start)!
        #expect(slow.duration == .seconds(10))
        #expect(SimulatedJob.start(.work, behaviour: .silent, generation: 1, jobDuration: .seconds(1), now: start) == nil)
        let cleanup = SimulatedJob.start(.cleanup, behaviour: .succeed, generation: 3, jobDuration: .seconds(1), now: start)!
        #expect(cleanup.conditions(at: start).map(\.type) == ["Applied", "Available", "Health", "Finalized"])
        #expect(cleanup.conditions(at: start + .seconds(2)).first { $0.type == "Finalized" }?.status == .true)
    }
}
