import Foundation
import HyperFleetModel
import HyperFleetTestSupport
import Kafka
@testable import Sentinel
import SentinelCore
import Testing

/// Issue 13: the trace context a writer stored with a change row continues in the Sentinel's publish span
/// and in the event; time-driven events start new traces; tracing off adds nothing.
@Suite("Sentinel: trace context from change rows to events")
struct TracePropagationTests {
    static let createTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    static let olderPatchTrace = "00-11111111111111111111111111111111-1111111111111111-01"
    static let patchTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    static let bump = "UPDATE clusters SET generation = generation + 1 WHERE id = $1"

    static func hex(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: width - digits.count) + digits
    }

    @Test("a stored traceparent becomes the parent of the publish span, whose context the event carries", arguments: [CloudEventMode.binary, .structured])
    func changeTraceContinuesIntoTheEvent(mode: CloudEventMode) async throws {
        let stored = try #require(Traceparent(Self.createTrace))
        let patched = try #require(Traceparent(Self.patchTrace))
        let (ids, spans) = try await withExportedSpans { tracer in
            try await SentinelHarness.run(configure: { $0.eventMode = mode }) { h in
                let engine = h.engine(tracer: tracer)
                let cluster = try await h.createCluster("traced")
                try await h.storeTrace(on: cluster.id, traceparent: Self.createTrace, tracestate: "hf=create")
                try await h.drain(engine)
                let created = try #require(try await h.events.waitFor(1).first)
                #expect(created.reason(mode: mode) == "created")
                let published = try #require(Traceparent(created.traceAttribute("traceparent", mode: mode)), "\(created.headers)")
                #expect(published.traceID == stored.traceID)
                #expect(published.spanID != stored.spanID)
                #expect(published.flags == "01")
                #expect(created.traceAttribute("tracestate", mode: mode) == "hf=create")

                // Three writes before the next look: the newest change row that has a context wins.
                try await h.tracedWrite(Self.bump, cluster.id, traceparent: Self.olderPatchTrace)
                try await h.tracedWrite(Self.bump, cluster.id, traceparent: Self.patchTrace)
                _ = try await h.pool.query(Self.bump, [cluster.id])  // untraced: a null context
                try await h.drain(engine)
                let changed = try #require(try await h.events.waitFor(2).last)
                #expect(changed.reason(mode: mode) == "generation_changed")
                let continued = try #require(Traceparent(changed.traceAttribute("traceparent", mode: mode)))
                #expect(continued.traceID == patched.traceID && continued.spanID != patched.spanID)
                #expect(changed.traceAttribute("tracestate", mode: mode) == nil)
                return (cluster.id, published, continued)
            }
        }
        let (clusterID, published, continued) = ids
        let publishes = spans.filter { $0.name == "sentinel publish" }
        #expect(publishes.count == 2, "\(spans)")
        let first = try #require(publishes.first { $0.spanID == published.spanID })
        #expect(first.service == "hyperfleet-sentinel")
        #expect(first.kind == 4, "producer")
        #expect(first.traceID == stored.traceID && first.parentSpanID == stored.spanID)
        #expect(first.attributes["hyperfleet.resource.type"] == "clusters")
        #expect(first.attributes["hyperfleet.resource.id"] == clusterID)
        #expect(first.attributes["hyperfleet.event.reason"] == "created")
        #expect(first.attributes["hyperfleet.resource.generation"] == "1")
        #expect(first.attributes["messaging.system"] == "kafka")
        #expect(first.attributes["messaging.destination.name"] == "hyperfleet-clusters")
        #expect(first.attributes["messaging.message.id"]?.count == 36)
        let second = try #require(publishes.first { $0.spanID == continued.spanID })
        #expect(second.traceID == patched.traceID && second.parentSpanID == patched.spanID)
        #expect(second.attributes["hyperfleet.event.reason"] == "generation_changed")
        #expect(second.attributes["hyperfleet.resource.generation"] == "4")

        // Each look with work has a span of its own trace, linked to the change it served.
        let looks = spans.filter { $0.name == "sentinel look" && $0.attributes["hyperfleet.sentinel.events_published"] == "1" }
        #expect(looks.count == 2, "\(spans.filter { $0.name == "sentinel look" })")
        for look in looks {
            #expect(look.parentSpanID.isEmpty && look.kind == 1)
            #expect(look.traceID != stored.traceID && look.traceID != patched.traceID)
            #expect(look.attributes["hyperfleet.resource.type"] == "clusters")
            #expect(look.attributes["hyperfleet.sentinel.resources_decided"] == "1")
            #expect(look.attributes["hyperfleet.sentinel.events_failed"] == "0")
            #expect(look.attributes["hyperfleet.sentinel.links_dropped"] == "0")
        }
        #expect(looks.contains { $0.links.map(\.traceID) == [stored.traceID] && $0.links.map(\.spanID) == [stored.spanID] })
        #expect(looks.contains {
            $0.links.map(\.traceID) == [patched.traceID] && $0.attributes["hyperfleet.sentinel.changes_taken"] == "3"
        })
    }

    @Test("time-driven events and changes without a stored context start new traces")
    func timeDrivenEventsStartNewTraces() async throws {
        let stored = try #require(Traceparent(Self.createTrace))
        let (parents, spans) = try await withExportedSpans { tracer in
            try await SentinelHarness.run { h in
                let engine = h.engine(tracer: tracer)
                let traced = try await h.createCluster("traced")
                try await h.storeTrace(on: traced.id, traceparent: Self.createTrace)
                let untraced = try await h.createCluster("untraced")
                try await h.drain(engine)
                let created = try await h.events.waitFor(2)
                let byID = Dictionary(uniqueKeysWithValues: created.map { ($0.keyString ?? "", $0) })
                let continued = try #require(Traceparent(byID[traced.id]?.header("ce_traceparent")))
                let fresh = try #require(Traceparent(byID[untraced.id]?.header("ce_traceparent")))
                #expect(continued.traceID == stored.traceID)
                #expect(fresh.traceID != stored.traceID)

                // NotReady, adapters silent: the backoff retry is due by time, not by the change.
                h.clock.advance(by: .seconds(30))
                try await h.drain(engine)
                let retries = try await h.events.waitFor(4).dropFirst(2)
                #expect(retries.allSatisfy { $0.reason == "not_ready_backoff" }, "\(retries.map(\.reason))")
                let retry = try #require(Traceparent(retries.first { $0.keyString == traced.id }?.header("ce_traceparent")))
                #expect(retry.traceID != stored.traceID && retry.traceID != fresh.traceID)
                return [fresh, retry]
            }
        }
        for parent in parents {
            let span = try #require(spans.first { $0.name == "sentinel publish" && $0.spanID == parent.spanID })
            #expect(span.traceID == parent.traceID && span.parentSpanID.isEmpty, "\(span)")
        }
    }

    @Test("the first event after a report moved the progress mark continues the report's trace; the retry after it starts a new one")
    func reportTraceContinuesAfterTheDebounce() async throws {
        let reported = try #require(Traceparent(Self.patchTrace))
        let (events, spans) = try await withExportedSpans { tracer in
            try await SentinelHarness.run { h in
                let engine = h.engine(tracer: tracer)
                let cluster = try await h.createCluster("reported")
                try await h.drain(engine)
                try await h.events.waitFor(1)
                // An adapter reports (through the traced API): progress, so the next event comes after the
                // debounce (5 s here), from the due index, in a later look.
                try await h.report(cluster.id, adapter: "validation", generation: 1, available: .false)
                try await h.storeTrace(on: cluster.id, traceparent: Self.patchTrace, tracestate: "hf=report")
                try await h.drain(engine)
                #expect(try await h.events.settle() == 1, "not before the debounce")
                h.clock.advance(by: .seconds(20))
                try await h.drain(engine)
                // Nothing moves any more: the next one is a backoff retry.
                h.clock.advance(by: .seconds(30))
                try await h.drain(engine)
                return Array(try await h.events.waitFor(3).dropFirst())
            }
        }
        #expect(events.map(\.reason) == ["not_ready_backoff", "not_ready_backoff"])
        let first = try #require(Traceparent(events.first?.header("ce_traceparent")))
        #expect(first.traceID == reported.traceID && first.spanID != reported.spanID)
        #expect(events.first?.header("ce_tracestate") == "hf=report")
        let retry = try #require(Traceparent(events.last?.header("ce_traceparent")))
        #expect(retry.traceID != reported.traceID)
        let span = try #require(spans.first { $0.name == "sentinel publish" && $0.spanID == first.spanID })
        #expect(span.parentSpanID == reported.spanID && span.attributes["hyperfleet.event.reason"] == "not_ready_backoff")
        // The look that took the report links to it, though it published nothing.
        #expect(spans.contains {
            $0.name == "sentinel look" && $0.links.map(\.spanID) == [reported.spanID] && $0.attributes["hyperfleet.sentinel.events_published"] == "0"
        })
    }

    @Test("tracing off: no trace headers or attributes on any event, though change rows carry a context", arguments: [CloudEventMode.binary, .structured])
    func tracingOffAddsNothing(mode: CloudEventMode) async throws {
        try await SentinelHarness.run(configure: { $0.eventMode = mode }) { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("untraced")
            try await h.storeTrace(on: cluster.id, traceparent: Self.createTrace, tracestate: "hf=create")
            try await h.drain(engine)
            try await h.tracedWrite(Self.bump, cluster.id, traceparent: Self.patchTrace)
            try await h.drain(engine)
            h.clock.advance(by: .seconds(30))
            try await h.drain(engine)
            let events = try await h.events.waitFor(3)
            #expect(events.map { $0.reason(mode: mode) } == ["created", "generation_changed", "not_ready_backoff"])
            for event in events {
                #expect(!event.headers.contains { $0.key.hasPrefix("ce_trace") }, "\(event.headers.map(\.key))")
                #expect(event.traceAttribute("traceparent", mode: mode) == nil && event.traceAttribute("tracestate", mode: mode) == nil)
            }
        }
    }

    @Test("a change put back because another replica holds the resource keeps its trace context")
    func requeuedChangeKeepsItsContext() async throws {
        let patched = try #require(Traceparent(Self.patchTrace))
        _ = try await withExportedSpans { tracer in
            try await SentinelHarness.run { h in
                let engine = h.engine(tracer: tracer)
                let cluster = try await h.createCluster("held")
                try await h.drain(engine)
                try await h.events.waitFor(1)
                // Another replica's publish is in flight (a live claim) when the PATCH arrives.
                _ = try await h.pool.query(
                    "UPDATE sentinel_records SET claimed_by = 'other', claim_expires_at = now() + interval '1 hour' WHERE resource_id = $1",
                    [cluster.id])
                try await h.tracedWrite(Self.bump, cluster.id, traceparent: Self.patchTrace, tracestate: "hf=patch")
                try await h.drain(engine)
                let queued = try await h.pool.query(
                    "SELECT traceparent, tracestate FROM sentinel_changes WHERE resource_id = $1", [cluster.id])
                #expect(queued.count == 1)
                #expect(queued.first?["traceparent"] == Self.patchTrace && queued.first?["tracestate"] == "hf=patch")

                // The claim goes away; the next look publishes, continuing the PATCH's trace.
                _ = try await h.pool.query(
                    "UPDATE sentinel_records SET claimed_by = NULL, claim_expires_at = NULL WHERE resource_id = $1", [cluster.id])
                try await h.drain(engine)
                let event = try #require(try await h.events.waitFor(2).last)
                #expect(event.reason == "generation_changed")
                let continued = try #require(Traceparent(event.header("ce_traceparent")))
                #expect(continued.traceID == patched.traceID && continued.spanID != patched.spanID)
                #expect(event.header("ce_tracestate") == "hf=patch")
            }
        }
    }

    @Test("a look links to at most 32 of the changes it served and counts the rest")
    func lookLinksAreBounded() async throws {
        let (traceIDs, spans) = try await withExportedSpans { tracer in
            try await SentinelHarness.run { h in
                var traceIDs: Set<String> = []
                for index in 0..<40 {
                    let cluster = try await h.createCluster("many-\(index)")
                    let traceID = Self.hex(index + 1, width: 32)
                    traceIDs.insert(traceID)
                    try await h.storeTrace(on: cluster.id, traceparent: "00-\(traceID)-\(Self.hex(index + 1, width: 16))-01")
                }
                try await h.drain(h.engine(tracer: tracer))
                try await h.events.waitFor(40)
                return traceIDs
            }
        }
        let look = try #require(spans.first { $0.name == "sentinel look" && $0.attributes["hyperfleet.sentinel.events_published"] == "40" })
        #expect(look.links.count == 32)
        #expect(look.attributes["hyperfleet.sentinel.links_dropped"] == "8")
        #expect(look.attributes["hyperfleet.sentinel.changes_taken"] == "40")
        #expect(Set(look.links.map(\.traceID)).isSubset(of: traceIDs))
        // Every publish continues its own change's trace.
        let publishes = spans.filter { $0.name == "sentinel publish" }
        #expect(publishes.count == 40 && Set(publishes.map(\.traceID)) == traceIDs)
    }
}
