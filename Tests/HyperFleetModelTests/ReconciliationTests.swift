import HyperFleetJSON
import Testing
@testable import HyperFleetModel

@Suite struct ReconciliationTests {
    @Test func controlBodyIsOptional() throws {
        for text in ["", "  \n", "{}", #"{"reason":null}"#, #"{"reason":""}"#] {
            let request = try #require(success(RequestValidation.reconcileControl(body(text))), "\(text)")
            #expect(request.reason == nil, "\(text)")
        }
        #expect(success(RequestValidation.reconcileControl(body(#"{"reason":"incident 7"}"#)))?.reason == "incident 7")
    }

    @Test func reasonRules() throws {
        // 256 characters fit however many bytes they take; 257 do not.
        let fits = String(repeating: "ü", count: 256)
        #expect(success(RequestValidation.reconcileControl(body(#"{"reason":"\#(fits)"}"#)))?.reason == fits)
        let long = try #require(failure(RequestValidation.reconcileControl(body(#"{"reason":"\#(String(repeating: "a", count: 257))"}"#))))
        #expect(long.code == .validation)
        #expect(long.details == [FieldError(field: "reason", error: "must be at most 256 characters, got 257")])
        let number = try #require(failure(RequestValidation.reconcileControl(body(#"{"reason":7}"#))))
        #expect(number.details.map(\.field) == ["reason"])
        let unknown = try #require(failure(RequestValidation.reconcileControl(body(#"{"reason":"x","paused":true}"#))))
        #expect(unknown.details == [FieldError(field: "paused", error: "unknown field")])
        #expect(failure(RequestValidation.reconcileControl(body("[]")))?.code == .malformedBody)
        #expect(failure(RequestValidation.reconcileControl(body("{")))?.code == .malformedBody)
    }

    @Test func documentWritesNullsForAbsentValues() throws {
        let time = try #require(Timestamp.parseRFC3339("2026-12-01T10:00:00Z"))
        let document = Reconciliation(
            id: "c1", href: "/api/hyperfleet/v1/clusters/c1", resourceKind: "Cluster", generation: 2, phase: "NotReady",
            deletedTime: nil, paused: false, pausedAt: nil, pausedBy: nil, pauseReason: nil, pendingRequest: false,
            requestedAt: nil, requestedBy: nil, deletionHeld: false, lastEvent: nil, next: nil, decidedAt: nil, attempts: 0,
            adapters: [.init(name: "dns", required: true, observedGeneration: nil, current: false, available: nil, health: nil, lastReportTime: nil, stale: false)],
            blocking: [.init(adapter: "dns", reason: "never_reported")],
            history: [
                ReconcileHistoryEntry(action: "event", time: time, reason: "created", actor: "sentinel-0", eventID: "e1", generation: 1),
                ReconcileHistoryEntry(action: "pause", time: time, reason: nil, actor: "ops@example.com", eventID: nil, generation: nil),
            ])
        let value = try JSONValue.parse(document.jsonBytes())
        #expect(value.at("kind") == .string("Reconciliation"))
        for key in ["deleted_time", "paused_at", "paused_by", "pause_reason", "requested_at", "requested_by", "last_event", "next", "decided_at"] {
            #expect(value.at(key) == .null, "\(key)")
        }
        #expect(value.at("adapters.0.observed_generation") == .null)
        #expect(value.at("blocking.0.reason") == .string("never_reported"))
        let stamp = JSONValue.string("2026-12-01T10:00:00.000000Z")
        #expect(value.at("history.0") == .object([
            "action": .string("event"), "time": stamp, "reason": .string("created"), "event_id": .string("e1"),
            "generation": .int(1), "replica": .string("sentinel-0"),
        ]))
        #expect(value.at("history.1") == .object([
            "action": .string("pause"), "time": stamp, "reason": .null, "by": .string("ops@example.com"),
        ]))
    }
}
