import Testing
@testable import HyperFleetModel

@Suite struct CreateValidationTests {
    @Test func validClusterCreate() throws {
        let result = RequestValidation.clusterCreate(body(
            "{\"kind\":\"Cluster\",\"name\":\"prod-1\",\"spec\":{\"region\":\"us\",\"n\":3},\"labels\":{\"team\":\"a\",\"example.com/env\":\"\"}}"))
        let create = try #require(success(result))
        #expect(create.name == "prod-1")
        #expect(create.spec == ["region": .string("us"), "n": .int(3)])
        #expect(create.labels == ["team": "a", "example.com/env": ""])
    }

    @Test func labelsDefaultToEmpty() throws {
        let create = try #require(success(RequestValidation.clusterCreate(body("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{}}"))))
        #expect(create.labels.isEmpty)
        let nullLabels = try #require(success(RequestValidation.clusterCreate(
            body("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"labels\":null}"))))
        #expect(nullLabels.labels.isEmpty)
    }

    @Test func nodePoolKindIsOptional() throws {
        #expect(success(RequestValidation.nodePoolCreate(body("{\"name\":\"pool\",\"spec\":{}}"))) != nil)
        #expect(success(RequestValidation.nodePoolCreate(body("{\"kind\":\"NodePool\",\"name\":\"pool\",\"spec\":{}}"))) != nil)
        let wrong = try #require(failure(RequestValidation.nodePoolCreate(body("{\"kind\":\"Cluster\",\"name\":\"pool\",\"spec\":{}}"))))
        #expect(wrong.code == .validation)
        #expect(wrong.details.map(\.field) == ["kind"])
    }

    /// Each row: body, expected code, expected detail fields (in order), a fragment of the reason.
    @Test(arguments: [
        ("", APIErrorCode.malformedBody, [String](), "not valid JSON"),
        ("{\"name\":", .malformedBody, [], "not valid JSON"),
        ("[1]", .malformedBody, [], "must be a JSON object, got array"),
        ("\"x\"", .malformedBody, [], "must be a JSON object, got string"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"sepc\":{}}", .validation, ["sepc"], "unknown field"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"id\":\"x\",\"href\":\"y\"}", .validation, ["href", "id"], "read-only"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"status\":{},\"generation\":1,\"created_time\":\"\",\"updated_by\":\"\"}",
         .validation, ["created_time", "generation", "status", "updated_by"], "read-only"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"owner_references\":{}}", .validation, ["owner_references"], "read-only"),
        // Unknown field AND bad name AND missing kind: the unknown-field step wins.
        ("{\"name\":\"A_B\",\"spec\":1,\"bogus\":true}", .validation, ["bogus"], "unknown field"),
        ("{\"name\":\"abc\",\"spec\":{}}", .validation, ["kind"], "kind is required"),
        ("{\"kind\":null,\"name\":\"abc\",\"spec\":{}}", .validation, ["kind"], "kind is required"),
        ("{\"kind\":\"cluster\",\"name\":\"abc\",\"spec\":{}}", .validation, ["kind"], "must be \"Cluster\""),
        ("{\"kind\":\"NodePool\",\"name\":\"A\",\"spec\":{}}", .validation, ["kind"], "must be \"Cluster\""),
        // Bad kind AND bad name: kind (step 3) wins over name (step 4).
        ("{\"kind\":5,\"name\":\"A\",\"spec\":5}", .validation, ["kind"], "kind"),
        ("{\"kind\":\"Cluster\",\"spec\":{}}", .validation, ["name"], "name is required"),
        ("{\"kind\":\"Cluster\",\"name\":7,\"spec\":{}}", .validation, ["name"], "must be a string"),
        ("{\"kind\":\"Cluster\",\"name\":\"ab\",\"spec\":{}}", .validation, ["name"], "3 to 63"),
        ("{\"kind\":\"Cluster\",\"name\":\"My_Cluster\",\"spec\":{}}", .validation, ["name"], "lowercase"),
        ("{\"kind\":\"Cluster\",\"name\":\"-abc\",\"spec\":{}}", .validation, ["name"], "start and end"),
        // Bad name AND bad spec: name (step 4) wins.
        ("{\"kind\":\"Cluster\",\"name\":\"x\",\"spec\":[]}", .validation, ["name"], "name"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\"}", .validation, ["spec"], "spec is required"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":null}", .validation, ["spec"], "spec is required"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":[1]}", .validation, ["spec"], "must be a JSON object, got array"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":\"x\"}", .validation, ["spec"], "got string"),
        // Step 5 reports spec and labels together.
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":1,\"labels\":{\"-bad\":\"ok\"}}", .validation, ["spec", "labels.-bad"], "spec"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"labels\":[]}", .validation, ["labels"], "must be an object"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"labels\":{\"a\":1,\"b\":\"x y\",\"c\":null}}", .validation,
         ["labels.a", "labels.b", "labels.c"], "labels.a"),
        ("{\"kind\":\"Cluster\",\"name\":\"abc\",\"spec\":{},\"labels\":{\"a/b/c\":\"v\"}}", .validation, ["labels.a/b/c"], "at most one '/'"),
    ])
    func clusterCreateRules(text: String, code: APIErrorCode, fields: [String], reasonFragment: String) throws {
        let error = try #require(failure(RequestValidation.clusterCreate(body(text))), "accepted: \(text)")
        #expect(error.code == code)
        #expect(error.details.map(\.field) == fields)
        #expect(error.reason.contains(reasonFragment), "reason: \(error.reason)")
    }

    @Test func invalidJSONReasonSaysWhere() throws {
        let error = try #require(failure(RequestValidation.clusterCreate(body("{\"kind\":\"Cluster\",}"))))
        #expect(error.code == .malformedBody)
        #expect(error.reason.contains("line 1"))
        #expect(error.code.httpStatus == 400)
    }

    @Test func detailMessagesNameTheProblem() throws {
        let error = try #require(failure(RequestValidation.nodePoolCreate(body("{\"name\":\"abc\",\"spec\":{},\"labels\":{\"k\":\"-v\"}}"))))
        #expect(error.details == [FieldError(field: "labels.k",
            error: "label value must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit")])
    }

    @Test func nodePoolRejectsReadOnlyFields() throws {
        let error = try #require(failure(RequestValidation.nodePoolCreate(
            body("{\"name\":\"pool\",\"spec\":{},\"owner_references\":{\"id\":\"x\"},\"deleted_time\":null}"))))
        #expect(error.details.map(\.field) == ["deleted_time", "owner_references"])
        #expect(error.details.allSatisfy { $0.error.contains("read-only") })
    }
}
