import HyperFleetTestSupport
import Kafka
import Logging
@testable import Sentinel
import Testing

@Suite("Sentinel: what it logs about publishing")
struct PublishLogTests {
    /// Each acknowledged event is one debug line naming the resource, the reason, the generation and
    /// the event id that went out in `ce_id`.
    @Test func eachPublishIsLoggedAtDebug() async throws {
        try await SentinelHarness.run { h in
            let recorder = LogRecorder()
            let engine = h.engine(logger: recorder.logger)
            let cluster = try await h.createCluster("logged")
            try await h.drain(engine)
            let event = try #require(try await h.events.waitFor(1).first)
            let lines = recorder.lines("published")
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line.level == .debug)
            #expect(line.metadata["resource_type"] == "clusters")
            #expect(line.metadata["id"] == cluster.id)
            #expect(line.metadata["reason"] == "created")
            #expect(line.metadata["generation"] == "1")
            #expect(line.metadata["event_id"] == event.header("ce_id"))
            #expect(recorder.lines("publish failed; resource stays due").isEmpty)
        }
    }

    /// A publish the broker never acknowledges is one warning line with the resource and the error.
    @Test func eachFailedPublishIsLoggedAtWarning() async throws {
        try await SentinelHarness.run(producerProperties: ["message.timeout.ms": "1000"]) { h in
            let recorder = LogRecorder()
            let engine = h.engine(logger: recorder.logger)
            let cluster = try await h.createCluster("unlucky")
            try h.kafka.setBrokerDown(1)
            let result = try await engine.look(.clusters)
            #expect(result.failed == 1)
            let lines = recorder.lines("publish failed; resource stays due")
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line.level == .warning)
            #expect(line.metadata["id"] == cluster.id)
            #expect(line.metadata["reason"] == "created")
            #expect(line.metadata["generation"] == "1")
            #expect(line.metadata["event_id"]?.count == 36)
            #expect(!(line.metadata["error"] ?? "").isEmpty)
            #expect(recorder.lines("published").isEmpty)
            try h.kafka.setBrokerUp(1)
        }
    }
}
