import HyperFleetJSON
import Testing
@testable import HyperFleetModel

@Suite struct PatchValidationTests {
    @Test(arguments: [PatchMode.replace, .merge])
    func acceptsSpecAndOrLabels(mode: PatchMode) throws {
        let both = try #require(success(RequestValidation.patch(body("{\"spec\":{\"a\":1},\"labels\":{\"t\":\"x\"}}"), mode: mode)))
        #expect(both.spec == .object(["a": .int(1)]))
        #expect(both.labels == .object(["t": .string("x")]))
        #expect(both.mode == mode)
        let specOnly = try #require(success(RequestValidation.patch(body("{\"spec\":{}}"), mode: mode)))
        #expect(specOnly.labels == nil)
    }

    /// Each row: body, mode, expected code, expected detail fields.
    @Test(arguments: [
        ("nope", PatchMode.replace, APIErrorCode.malformedBody, [String]()),
        ("null", .merge, .malformedBody, []),
        ("{}", .replace, .validation, ["body"]),
        ("{\"name\":\"new-name\",\"spec\":{}}", .replace, .validation, ["name"]),
        ("{\"kind\":\"Cluster\"}", .merge, .validation, ["kind"]),
        ("{\"generation\":2,\"id\":\"x\",\"spec\":5}", .replace, .validation, ["generation", "id"]),
        ("{\"spce\":{}}", .merge, .validation, ["spce"]),
        ("{\"spec\":[]}", .replace, .validation, ["spec"]),
        ("{\"spec\":null}", .replace, .validation, ["spec"]),
        ("{\"spec\":null}", .merge, .validation, ["spec"]),
        ("{\"spec\":\"x\"}", .merge, .validation, ["spec"]),
        ("{\"labels\":null}", .replace, .validation, ["labels"]),
        ("{\"labels\":{\"a\":null}}", .replace, .validation, ["labels.a"]),
        ("{\"labels\":{\"a\":1}}", .merge, .validation, ["labels.a"]),
        ("{\"labels\":{\"-a\":\"x\"}}", .merge, .validation, ["labels.-a"]),
        ("{\"labels\":[\"a\"]}", .merge, .validation, ["labels"]),
        ("{\"spec\":1,\"labels\":{\"a\":\"b c\"}}", .replace, .validation, ["spec", "labels.a"]),
    ])
    func rejects(text: String, mode: PatchMode, code: APIErrorCode, fields: [String]) throws {
        let error = try #require(failure(RequestValidation.patch(body(text), mode: mode)), "accepted \(text)")
        #expect(error.code == code)
        #expect(error.details.map(\.field) == fields)
        for field in fields { #expect(error.reason.contains(field)) }
    }

    @Test func mergeAllowsNullLabelValuesAndNullLabels() throws {
        #expect(success(RequestValidation.patch(body("{\"labels\":{\"a\":null}}"), mode: .merge)) != nil)
        #expect(success(RequestValidation.patch(body("{\"labels\":null}"), mode: .merge)) != nil)
    }
}

@Suite struct PatchApplyTests {
    static let spec: [String: JSONValue] = ["region": .string("us"), "nodes": .object(["count": .int(3), "type": .string("m5")])]
    static let labels = ["team": "a", "env": "prod"]

    func apply(_ text: String, _ mode: PatchMode) throws -> (spec: [String: JSONValue], labels: [String: String], changed: Bool) {
        let patch = try #require(success(RequestValidation.patch(body(text), mode: mode)))
        return try #require(success(patch.apply(spec: Self.spec, labels: Self.labels)))
    }

    @Test func replaceSwapsSpecWholesale() throws {
        let result = try apply("{\"spec\":{\"region\":\"eu\"}}", .replace)
        #expect(result.spec == ["region": .string("eu")])
        #expect(result.labels == Self.labels)
        #expect(result.changed)
    }

    @Test func mergeKeepsOtherKeysAndNullRemoves() throws {
        let result = try apply("{\"spec\":{\"region\":null,\"nodes\":{\"count\":5}}}", .merge)
        #expect(result.spec == ["nodes": .object(["count": .int(5), "type": .string("m5")])])
        #expect(result.changed)
    }

    @Test func replaceWithSameContentInOtherKeyOrderIsNoOp() throws {
        let result = try apply("{\"spec\":{\"nodes\":{\"type\":\"m5\",\"count\":3.0},\"region\":\"us\"},\"labels\":{\"env\":\"prod\",\"team\":\"a\"}}", .replace)
        #expect(!result.changed)
        #expect(result.spec == Self.spec)
    }

    @Test func mergeWithSameValuesIsNoOp() throws {
        let result = try apply("{\"spec\":{\"nodes\":{\"count\":3}},\"labels\":{\"team\":\"a\",\"missing\":null}}", .merge)
        #expect(!result.changed)
    }

    @Test func emptyMergeObjectIsNoOp() throws {
        #expect(try !apply("{\"spec\":{}}", .merge).changed)
        #expect(try apply("{\"spec\":{}}", .replace).changed) // replace clears the spec
    }

    @Test func labelsOnlyChangeCounts() throws {
        let replaced = try apply("{\"labels\":{\"team\":\"b\"}}", .replace)
        #expect(replaced.labels == ["team": "b"])
        #expect(replaced.spec == Self.spec)
        #expect(replaced.changed)
        let merged = try apply("{\"labels\":{\"team\":\"b\",\"env\":null,\"new\":\"x\"}}", .merge)
        #expect(merged.labels == ["team": "b", "new": "x"])
        #expect(merged.changed)
    }

    @Test func mergeNullLabelsClearsThem() throws {
        let result = try apply("{\"labels\":null}", .merge)
        #expect(result.labels.isEmpty)
        #expect(result.changed)
    }

    @Test func applyRejectsNonObjectSpecAndBadLabelsBuiltByHand() throws {
        // Patches built without RequestValidation are still checked when applied.
        let badSpec = ResourcePatch(mode: .merge, spec: .array([]))
        let specError = try #require(failure(badSpec.apply(spec: Self.spec, labels: Self.labels)))
        #expect(specError.code == .validation)
        #expect(specError.details.map(\.field) == ["spec"])
        let badLabel = ResourcePatch(mode: .merge, labels: .object(["team": .int(1)]))
        let labelError = try #require(failure(badLabel.apply(spec: Self.spec, labels: Self.labels)))
        #expect(labelError.details.map(\.field) == ["labels.team"])
        let badValue = ResourcePatch(mode: .replace, labels: .object(["team": .string("not valid!")]))
        #expect(failure(badValue.apply(spec: Self.spec, labels: Self.labels))?.details.map(\.field) == ["labels.team"])
    }

    @Test func intVersusDoubleIsNotAChange() throws {
        let patch = ResourcePatch(mode: .replace, spec: .object(["region": .string("us"), "nodes": .object(["count": .double(3), "type": .string("m5")])]))
        let result = try #require(success(patch.apply(spec: Self.spec, labels: Self.labels)))
        #expect(!result.changed)
    }
}
