import HyperFleetJSON
import Testing
@testable import HyperFleetModel

@Suite struct StatusReportValidationTests {
    static let now = at(0)

    static func report(_ members: String) -> String {
        "{" + members + "}"
    }

    static let validMembers = "\"adapter\":\"validation\",\"observed_generation\":1,\"observed_time\":\"2026-11-25T10:00:00Z\","
        + "\"conditions\":[{\"type\":\"Available\",\"status\":\"True\",\"reason\":\"ok\",\"message\":\"fine\"},"
        + "{\"type\":\"Health\",\"status\":\"Unknown\"}]"

    @Test func validReport() throws {
        let text = Self.report(Self.validMembers + ",\"metadata\":{\"job_name\":\"j\",\"attempt\":2,\"started_time\":\"2026-11-25T09:59:00Z\",\"extra\":1},\"data\":{\"x\":[1]}")
        let report = try #require(success(RequestValidation.statusReport(body(text), now: Self.now)))
        #expect(report.adapter == "validation")
        #expect(report.observedGeneration == 1)
        #expect(report.observedTime == Self.now)
        #expect(report.conditions == [ReportedCondition(type: "Available", status: .true, reason: "ok", message: "fine"),
                                      ReportedCondition(type: "Health", status: .unknown)])
        #expect(report.metadata?.objectValue?["attempt"] == .int(2))
        #expect(report.data == .object(["x": .array([.int(1)])]))
    }

    @Test func emptyConditionsAreAllowed() throws {
        let text = "{\"adapter\":\"dns\",\"observed_generation\":3,\"observed_time\":\"2026-11-25T11:00:00+01:00\",\"conditions\":[]}"
        let report = try #require(success(RequestValidation.statusReport(body(text), now: Self.now)))
        #expect(report.conditions.isEmpty)
        #expect(report.observedTime == Self.now)
        #expect(report.metadata == nil && report.data == nil)
    }

    @Test func observedTimeUpToFiveMinutesAheadIsAccepted() {
        let text = Self.validMembers.replacingOccurrences("2026-11-25T10:00:00Z", "2026-11-25T10:05:00Z")
        #expect(success(RequestValidation.statusReport(body(Self.report(text)), now: Self.now)) != nil)
    }

    /// Each row: a replacement for the valid members, the expected detail fields, a fragment of the first error.
    @Test(arguments: [
        ("\"adapter\":\"my_adapter\"", ["adapter"], "lowercase"),
        ("\"adapter\":\"ab\"", ["adapter"], "3 to 63"),
        ("\"adapter\":\"Validation\"", ["adapter"], "lowercase"),
        ("\"adapter\":7", ["adapter"], "must be a string"),
        ("\"observed_generation\":0", ["observed_generation"], ">= 1"),
        ("\"observed_generation\":-1", ["observed_generation"], ">= 1"),
        ("\"observed_generation\":1.5", ["observed_generation"], "integer"),
        ("\"observed_generation\":\"1\"", ["observed_generation"], "integer"),
        ("\"observed_time\":\"2026-11-25T10:05:00.000001Z\"", ["observed_time"], "more than 5 minutes ahead"),
        ("\"observed_time\":\"2026-11-25T12:00:00+01:00\"", ["observed_time"], "more than 5 minutes ahead"),
        ("\"observed_time\":\"2026-02-30T10:00:00Z\"", ["observed_time"], "RFC 3339"),
        ("\"observed_time\":\"yesterday\"", ["observed_time"], "RFC 3339"),
        ("\"observed_time\":12", ["observed_time"], "RFC 3339"),
        ("\"conditions\":{}", ["conditions"], "must be an array"),
        ("\"conditions\":[{\"type\":\"A\",\"status\":\"True\"},{\"type\":\"A\",\"status\":\"False\"}]", ["conditions[1].type"], "duplicate"),
        ("\"conditions\":[{\"type\":\"A\",\"status\":\"true\"}]", ["conditions[0].status"], "True, False, Unknown"),
        ("\"conditions\":[{\"type\":\"A\",\"status\":\"Yes\"}]", ["conditions[0].status"], "True, False, Unknown"),
        ("\"conditions\":[{\"type\":\"\",\"status\":\"True\"}]", ["conditions[0].type"], "non-empty"),
        ("\"conditions\":[{\"status\":\"True\"}]", ["conditions[0].type"], "required"),
        ("\"conditions\":[{\"type\":\"A\"}]", ["conditions[0].status"], "required"),
        ("\"conditions\":[{\"type\":\"A\",\"status\":\"True\",\"reason\":5}]", ["conditions[0].reason"], "must be a string"),
        ("\"conditions\":[{\"type\":\"A\",\"status\":\"True\",\"last_transition_time\":\"x\"}]", ["conditions[0].last_transition_time"], "unknown"),
        ("\"conditions\":[1]", ["conditions[0]"], "must be an object"),
        ("\"metadata\":[]", ["metadata"], "must be a JSON object"),
        ("\"metadata\":{\"attempt\":\"x\",\"job_name\":1,\"completed_time\":\"never\"}",
         ["metadata.job_name", "metadata.attempt", "metadata.completed_time"], "must be a string"),
        ("\"data\":\"blob\"", ["data"], "must be a JSON object"),
    ])
    func fieldRules(override: String, fields: [String], fragment: String) throws {
        let text = Self.report(Self.merged(override))
        let error = try #require(failure(RequestValidation.statusReport(body(text), now: Self.now)), "accepted \(text)")
        #expect(error.code == .validation)
        #expect(error.details.map(\.field) == fields)
        #expect(error.details.first?.error.contains(fragment) == true, "\(error.details)")
    }

    @Test(arguments: ["adapter", "observed_generation", "observed_time", "conditions"])
    func requiredFields(field: String) throws {
        let members = try #require(JSONValue.parse(Self.report(Self.validMembers)).objectValue)
        let text = JSONValue.object(members.filter { $0.key != field }).serialized()
        let error = try #require(failure(RequestValidation.statusReport(body(text), now: Self.now)))
        #expect(error.details == [FieldError(field: field, error: "is required")])
    }

    @Test func reportsSeveralProblemsAtOnce() throws {
        let text = "{\"adapter\":\"a_b\",\"observed_generation\":0,\"observed_time\":\"x\",\"conditions\":[{\"type\":\"A\",\"status\":\"no\"}]}"
        let error = try #require(failure(RequestValidation.statusReport(body(text), now: Self.now)))
        #expect(error.details.map(\.field) == ["adapter", "observed_generation", "observed_time", "conditions[0].status"])
    }

    @Test func unknownFieldsWinOverFieldProblems() throws {
        let text = "{\"adapter\":\"a_b\",\"observed_generation\":0,\"created_time\":\"x\",\"junk\":1}"
        let error = try #require(failure(RequestValidation.statusReport(body(text), now: Self.now)))
        #expect(error.details.map(\.field) == ["created_time", "junk"])
    }

    @Test func malformedBodyIsCode17() throws {
        let error = try #require(failure(RequestValidation.statusReport(body("[]"), now: Self.now)))
        #expect(error.code == .malformedBody)
    }

    /// The valid members with one member replaced (or added).
    static func merged(_ override: String) -> String {
        let key = String(override.prefix { $0 != ":" })
        let kept = (try? JSONValue.parse(report(validMembers)).objectValue) ?? [:]
        let replacement = (try? JSONValue.parse("{" + override + "}").objectValue) ?? [:]
        let all = kept.merging(replacement) { _, new in new }
        let text = JSONValue.object(all).serialized()
        precondition(!key.isEmpty)
        return String(text.dropFirst().dropLast())
    }
}

extension String {
    /// Foundation-free substring replacement for test fixtures.
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
