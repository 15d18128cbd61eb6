import HyperFleetJSON
import HyperFleetModel
import HyperFleetOps
import Logging
import Testing

@Suite struct JSONLogHandlerTests {
    private func line(message: String = "hello", metadata: Logger.Metadata = [:]) throws -> [String: JSONValue] {
        let bytes = JSONLogHandler.line(
            time: Timestamp(microsecondsSinceEpoch: 1_764_979_200_123_456), level: .warning, label: "hyperfleet.api",
            message: message, metadata: metadata)
        let parsed = try JSONValue.parse(String(decoding: bytes, as: UTF8.self))
        return try #require(parsed.objectValue)
    }

    @Test func fixedFieldsComeFirstAndTimeIsRFC3339() throws {
        let bytes = JSONLogHandler.line(
            time: Timestamp(microsecondsSinceEpoch: 1_764_979_200_123_456), level: .info, label: "l", message: "m", metadata: [:])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"time":"2025-12-06T00:00:00.123456Z","level":"info","logger":"l","message":"m"}"#)
    }

    @Test func messagesAndValuesAreEscaped() throws {
        let object = try line(message: "quote \" and\nnewline", metadata: ["path": "/a\"b", "tab": "\t"])
        #expect(object["message"] == .string("quote \" and\nnewline"))
        #expect(object["path"] == .string("/a\"b"))
        #expect(object["tab"] == .string("\t"))
    }

    @Test func nestedMetadataStaysStructured() throws {
        let object = try line(metadata: ["ids": ["a", "b"], "resource": ["type": "clusters", "id": "x"], "count": .stringConvertible(3)])
        #expect(object["ids"] == .array([.string("a"), .string("b")]))
        #expect(object["resource"] == .object(["type": .string("clusters"), "id": .string("x")]))
        #expect(object["count"] == .string("3"))
    }

    @Test func metadataNeverReplacesTheFixedFields() throws {
        let object = try line(metadata: ["message": "spoofed", "level": "debug"])
        #expect(object["message"] == .string("hello"))
        #expect(object["level"] == .string("warning"))
        #expect(object["meta_message"] == .string("spoofed"))
        #expect(object["meta_level"] == .string("debug"))
    }

    @Test func providedMetadataSitsBetweenTheHandlersAndTheEvents() {
        var handler = JSONLogHandler(label: "l", metadataProvider: Logger.MetadataProvider { ["trace_id": "t", "shared": "provider"] })
        handler.metadata = ["shared": "handler", "own": "h"]
        let merged = handler.lineMetadata(["event": "e"])
        #expect(merged["trace_id"] == "t")
        #expect(merged["shared"] == "provider")
        #expect(merged["own"] == "h")
        #expect(merged["event"] == "e")
        #expect(handler.lineMetadata(["shared": "event"])["shared"] == "event")
        #expect(JSONLogHandler(label: "l").lineMetadata(nil).isEmpty)
    }
}
