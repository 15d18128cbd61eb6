import Testing
@testable import HyperFleetModel

@Suite struct StatusUpsertTests {
    static func report(generation: Int64 = 1, observed: Timestamp, _ conditions: [(String, ConditionStatus)],
                       reason: String? = nil) -> StatusReport {
        StatusReport(adapter: "dns", observedGeneration: generation, observedTime: observed,
                     conditions: conditions.map { ReportedCondition(type: $0.0, status: $0.1, reason: reason) },
                     metadata: .object(["job_name": .string("j")]), data: nil)
    }

    func merge(_ existing: AdapterStatus?, _ report: StatusReport, generation: Int64 = 2, now: Timestamp) throws -> AdapterStatus {
        try #require(success(StatusUpsert.merge(existing: existing, report: report, resourceGeneration: generation, now: now)))
    }

    @Test func firstReport() throws {
        let status = try merge(nil, Self.report(observed: at(-10), [("Available", .true), ("Health", .true)]), now: at(0))
        #expect(status.adapter == "dns")
        #expect(status.observedGeneration == 1)
        #expect(status.createdTime == at(0))
        #expect(status.lastReportTime == at(-10))
        #expect(status.conditions.map(\.lastTransitionTime) == [at(-10), at(-10)])
        #expect(status.metadata == .object(["job_name": .string("j")]))
    }

    @Test func futureGenerationIsConflict() throws {
        let error = try #require(failure(StatusUpsert.merge(existing: nil, report: Self.report(generation: 3, observed: at(0), []),
                                                            resourceGeneration: 2, now: at(0))))
        #expect(error.code == .conflict)
        #expect(error.reason.contains("generation 2"))
        #expect(error.code.httpStatus == 409)
    }

    @Test func lowerGenerationIsConflict() throws {
        let stored = try merge(nil, Self.report(generation: 2, observed: at(0), []), now: at(0))
        let error = try #require(failure(StatusUpsert.merge(existing: stored, report: Self.report(generation: 1, observed: at(50), []),
                                                            resourceGeneration: 2, now: at(60))))
        #expect(error.code == .conflict)
        #expect(error.reason.contains("out-of-order"))
    }

    @Test func sameGenerationOlderTimeIsConflict() throws {
        let stored = try merge(nil, Self.report(observed: at(10), []), now: at(20))
        let error = try #require(failure(StatusUpsert.merge(existing: stored, report: Self.report(observed: at(9.999999), []),
                                                            resourceGeneration: 2, now: at(30))))
        #expect(error.code == .conflict)
        #expect(error.reason.contains("out-of-order"))
    }

    @Test func equalGenerationAndTimeIsRetry() throws {
        let report = Self.report(observed: at(10), [("Available", .true)])
        let stored = try merge(nil, report, now: at(20))
        let again = try merge(stored, report, now: at(25))
        #expect(again == stored)
    }

    @Test func newerGenerationWithOlderTimeIsAccepted() throws {
        // Ordering is by generation first: a newer generation wins even with an earlier timestamp.
        let stored = try merge(nil, Self.report(generation: 1, observed: at(10), []), now: at(20))
        let next = try merge(stored, Self.report(generation: 2, observed: at(5), []), now: at(30))
        #expect(next.observedGeneration == 2)
        #expect(next.lastReportTime == at(5))
        #expect(next.createdTime == at(20))
    }

    @Test func transitionTimeKeptWhileStatusUnchanged() throws {
        let first = try merge(nil, Self.report(observed: at(10), [("Available", .false), ("Health", .true)], reason: "a"), now: at(10))
        let second = try merge(first, Self.report(observed: at(20), [("Available", .true), ("Health", .true)], reason: "b"), now: at(20))
        #expect(second.condition("Available")?.lastTransitionTime == at(20))
        #expect(second.condition("Health")?.lastTransitionTime == at(10)) // reason changed, status did not
        #expect(second.condition("Health")?.reason == "b")
        #expect(second.createdTime == at(10))
        #expect(second.lastReportTime == at(20))
        let third = try merge(second, Self.report(observed: at(30), [("Available", .true), ("Applied", .unknown)]), now: at(30))
        #expect(third.conditions.map(\.type) == ["Available", "Applied"]) // replaced wholesale
        #expect(third.condition("Available")?.lastTransitionTime == at(20))
        #expect(third.condition("Applied")?.lastTransitionTime == at(30))
        #expect(third.condition("Health") == nil)
    }

    @Test func reportTimeClampedToNow() throws {
        let status = try merge(nil, Self.report(observed: at(120), [("Available", .true)]), now: at(0))
        #expect(status.lastReportTime == at(0))
        #expect(status.conditions.first?.lastTransitionTime == at(0))
    }

    @Test func replacesMetadataAndData() throws {
        let first = try merge(nil, Self.report(observed: at(1), []), now: at(1))
        var next = Self.report(observed: at(2), [])
        next.metadata = nil
        next.data = .object(["k": .bool(true)])
        let second = try merge(first, next, now: at(2))
        #expect(second.metadata == nil)
        #expect(second.data == .object(["k": .bool(true)]))
    }
}
