import HyperFleetJSON
import Testing
@testable import HyperFleetModel

@Suite struct ResourceEncodingTests {
    static let clusterID = "0123456789abcdefghijklmnopqrstuv"

    static func encoded<Value: Encodable>(_ value: Value) throws -> [String: JSONValue] {
        let bytes = try JSONCoding.encode(value)
        return try #require(try JSONValue.parse(bytes).objectValue)
    }

    @Test func clusterShape() throws {
        let cluster = Cluster(id: Self.clusterID, name: "prod", spec: ["a": .int(1)], createdTime: at(0),
                              createdBy: "me@example.com")
        let json = try Self.encoded(cluster)
        #expect(Set(json.keys) == ["id", "kind", "href", "name", "labels", "spec", "generation", "created_time",
                                   "updated_time", "created_by", "updated_by", "status"])
        #expect(json["kind"] == .string("Cluster"))
        #expect(json["href"] == .string("/api/hyperfleet/v1/clusters/\(Self.clusterID)"))
        #expect(json["labels"] == .object([:]))
        #expect(json["generation"] == .int(1))
        #expect(json["created_time"] == .string("2026-11-25T10:00:00.000000Z"))
        #expect(json["updated_by"] == .string("me@example.com"))
        #expect(json["status"] == .object([
            "phase": .string("NotReady"), "observed_generation": .int(0), "conditions": .array([]),
            "last_transition_time": .string("2026-11-25T10:00:00.000000Z"),
            "last_updated_time": .string("2026-11-25T10:00:00.000000Z"),
        ]))
        let bytes = try JSONCoding.encode(cluster)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("\\/"))
        #expect(try JSONCoding.decode(Cluster.self, from: bytes) == cluster)
    }

    @Test func deletedClusterIncludesDeletionFields() throws {
        var cluster = Cluster(id: Self.clusterID, name: "prod", spec: [:], createdTime: at(0), createdBy: "me@example.com")
        cluster.deletedTime = at(5)
        cluster.deletedBy = "you@example.com"
        let json = try Self.encoded(cluster)
        #expect(json["deleted_time"] == .string("2026-11-25T10:00:05.000000Z"))
        #expect(json["deleted_by"] == .string("you@example.com"))
    }

    @Test func nodePoolShape() throws {
        let pool = NodePool(id: "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", clusterID: Self.clusterID, name: "pool", labels: ["a": "b"],
                            spec: [:], createdTime: at(0), createdBy: "me@example.com")
        let json = try Self.encoded(pool)
        #expect(json["kind"] == .string("NodePool"))
        #expect(json["href"] == .string("/api/hyperfleet/v1/clusters/\(Self.clusterID)/nodepools/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"))
        #expect(json["owner_references"] == .object(["id": .string(Self.clusterID), "kind": .string("Cluster"),
                                                     "href": .string("/api/hyperfleet/v1/clusters/\(Self.clusterID)")]))
        #expect(json["labels"] == .object(["a": .string("b")]))
        let bytes = try JSONCoding.encode(pool)
        #expect(try JSONCoding.decode(NodePool.self, from: bytes) == pool)
    }

    @Test func adapterStatusShapeOmitsNilOptionals() throws {
        let status = AdapterStatus(adapter: "dns", observedGeneration: 2,
                                   conditions: [AdapterCondition(type: "Available", status: .true, lastTransitionTime: at(1))],
                                   createdTime: at(0), lastReportTime: at(2))
        let json = try Self.encoded(status)
        #expect(Set(json.keys) == ["adapter", "observed_generation", "conditions", "created_time", "last_report_time"])
        #expect(json["conditions"] == .array([.object(["type": .string("Available"), "status": .string("True"),
                                                       "last_transition_time": .string("2026-11-25T10:00:01.000000Z")])]))
        let page = ListPage(kind: "AdapterStatusList", page: 1, total: 7, items: [status])
        let pageJSON = try Self.encoded(page)
        #expect(pageJSON["size"] == .int(1))
        #expect(pageJSON["total"] == .int(7))
        #expect(pageJSON["kind"] == .string("AdapterStatusList"))
        #expect(try JSONCoding.decode(ListPage<AdapterStatus>.self, from: JSONCoding.encode(page)) == page)
    }

    @Test func resourceConditionShape() throws {
        let condition = ResourceCondition(type: "DnsSuccessful", status: .false, reason: "r", message: "m",
                                          lastTransitionTime: at(1), observedGeneration: 3, createdTime: at(0),
                                          lastUpdatedTime: at(2))
        let json = try Self.encoded(condition)
        #expect(Set(json.keys) == ["type", "status", "reason", "message", "last_transition_time", "observed_generation",
                                   "created_time", "last_updated_time"])
        #expect(json["status"] == .string("False"))
    }

    @Test func specKeepsNumberKinds() throws {
        let cluster = Cluster(id: Self.clusterID, name: "prod", spec: ["i": .int(1), "d": .double(1.5), "b": .bool(false)],
                              createdTime: at(0), createdBy: "x@y.z")
        let text = String(decoding: try JSONCoding.encode(cluster), as: UTF8.self)
        #expect(text.contains("\"spec\":{\"b\":false,\"d\":1.5,\"i\":1}"))
    }

    @Test func phaseAndConditionStatusRawValues() {
        #expect(Phase.allCases.map(\.rawValue) == ["NotReady", "Ready", "Failed"])
        #expect(ConditionStatus.allCases.map(\.rawValue) == ["True", "False", "Unknown"])
    }
}
