import Foundation
import HyperFleetJSON
import Testing
@testable import HyperFleetModel

/// The hand-written response forms must be exactly what Foundation's encoder produces with the
/// project's settings, byte for byte, including escapes, absent optionals and key order.
@Suite struct ResponseJSONTests {
    static let clusterID = "0123456789abcdefghijklmnopqrstuv"
    static let tricky = "quote\" back\\slash /slash tab\t nl\n cr\r bell\u{07} del\u{7F} ünï ☃ 🚀 \u{1F}"

    static func sameAsEncoder<Value: Encodable & JSONWritable>(_ value: Value) throws {
        let expected = String(decoding: try JSONCoding.encode(value), as: UTF8.self)
        let written = String(decoding: value.jsonBytes(), as: UTF8.self)
        #expect(written == expected)
    }

    static var condition: ResourceCondition {
        ResourceCondition(
            type: "DnsSuccessful", status: .true, reason: tricky, message: "all good", lastTransitionTime: at(1),
            observedGeneration: 3, createdTime: at(-86_400 * 400), lastUpdatedTime: at(7.123456))
    }

    static var status: ResourceStatus {
        var bare = condition
        bare.reason = nil
        bare.message = nil
        return ResourceStatus(phase: .failed, observedGeneration: 2, lastTransitionTime: at(2), lastUpdatedTime: at(3), conditions: [condition, bare])
    }

    static let spec: [String: JSONValue] = [
        "z": .int(-9_223_372_036_854_775_807), "a": .double(1.5), "nested": .object(["b": .array([.null, .bool(true), .bool(false), .string(tricky)])]),
        "Capital": .string(""), "é": .int(0), "small": .double(1e-7), "big": .double(1e300),
    ]

    @Test func clustersNodePoolsAndTheirStatus() throws {
        var cluster = Cluster(
            id: Self.clusterID, name: "prod-1", labels: ["env": "prod", "example.com/team": Self.tricky], spec: Self.spec,
            generation: 4, createdTime: at(0), createdBy: "me@example.com", status: Self.status)
        try Self.sameAsEncoder(cluster)
        cluster.deletedTime = at(9)
        cluster.deletedBy = "you@example.com"
        try Self.sameAsEncoder(cluster)
        let nodePool = NodePool(
            id: Self.clusterID, clusterID: Self.clusterID, name: "workers", labels: [:], spec: [:], createdTime: at(0),
            createdBy: "me@example.com")
        try Self.sameAsEncoder(nodePool)
        try Self.sameAsEncoder(ListPage(kind: "ClusterList", page: 3, total: 41, items: [cluster, cluster]))
        try Self.sameAsEncoder(ListPage(kind: "NodePoolList", page: 1, total: 0, items: [NodePool]()))
    }

    @Test func adapterStatusesAndErrors() throws {
        let full = AdapterStatus(
            adapter: "dns", observedGeneration: 7,
            conditions: [
                AdapterCondition(type: "Available", status: .unknown, reason: "R", message: Self.tricky, lastTransitionTime: at(1)),
                AdapterCondition(type: "Health", status: .false, lastTransitionTime: at(2)),
            ],
            metadata: .object(["job": .string("j-1"), "attempt": .int(2)]), data: .null, createdTime: at(0), lastReportTime: at(5))
        try Self.sameAsEncoder(full)
        try Self.sameAsEncoder(AdapterStatus(adapter: "x", observedGeneration: 0, conditions: [], createdTime: at(0), lastReportTime: at(0)))
        try Self.sameAsEncoder(ListPage(kind: "AdapterStatusList", page: 1, total: 1, items: [full]))
        try Self.sameAsEncoder(ErrorBody(error: APIError(.validation, "bad \"name\""), operationID: "op-1"))
        try Self.sameAsEncoder(ErrorBody(
            error: APIError(.validation, "invalid", details: [FieldError(field: "labels.a", error: Self.tricky)]), operationID: "op-2"))
    }

    /// The stored form of a status's conditions (written by the writer) reads back to the same values.
    @Test func storedConditionsParseBack() throws {
        let conditions = Self.status.conditions
        func read(_ text: String) -> [ResourceCondition]? {
            try? JSONCoding.decode([ResourceCondition].self, from: Array(text.utf8))
        }
        #expect(read(conditions.jsonText) == conditions)
        #expect(read("[]") == [])
        #expect(read(#"[{"type":"X"}]"#) == nil)
        #expect(read("{}") == nil)
    }

    /// A fragment is copied as it is, and separators around it stay right.
    @Test func fragmentsAndSeparators() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.fragment(#"{"a": [1, 2]}"#.utf8)
        writer.int(3)
        writer.beginObject()
        writer.key("k")
        writer.write(JSONFragment(trusted: "[]"))
        writer.key("l")
        writer.string("x")
        writer.endObject()
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"[{"a": [1, 2]},3,{"k":[],"l":"x"}]"#)
    }

    @Test func timestampsBeyondFourDigitYearsAndBefore1970() {
        #expect(Timestamp(microsecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microsecondsSinceEpoch: 253_402_300_800_000_000).rfc3339 == "10000-01-01T00:00:00.000000Z")
    }
}
