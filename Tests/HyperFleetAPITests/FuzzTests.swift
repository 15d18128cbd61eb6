import Foundation
import HyperFleetTestSupport
import Testing

/// Random list parameters, paths and methods (deterministic seed) sent over real HTTP to the real
/// server: nothing may answer 5xx, drop a request unanswered, or take the server down.
@Suite("fuzzing the API's edge")
struct FuzzTests {
    static let numbers = [
        "0", "1", "-1", "2", "20", "1000", "1001", "2147483647", "2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999999",
        "1e9", "0x10", "+5", " 3", "3 ", "", "NaN", "١٢", "07",
    ]
    static let words = [
        "name", "name asc", "status.phase desc", "created_time", "labels.env", "spec", "generation desc,name asc",
        "asc", "desc", "ASC", "up", "true", "false", "TRUE", "yes", "", "%00", "'", "\"", "\\", ";", "--", "/*",
    ]
    static let searchTokens = [
        "name", "labels.env", "labels.example.com/team", "status.phase", "generation", "created_time", "id", "spec",
        "=", "!=", "<", ">=", "in", "not", "and", "or", "(", ")", ",", "'prod'", "'Ready'", "'", "''", "5",
        "-1", "9223372036854775808", "'2026-01-01T00:00:00Z'", "true", "null", "'; DROP TABLE clusters; --",
        "labels.", "..", "\u{0}", "é", "%",
    ]
    static let segments = [
        "clusters", "nodepools", "statuses", "openapi", "", "..", "%2e%2e", "%00", "%ff", "%zz", "*", ":cluster_id",
        "{cluster_id}", "0000000000000000000000000000000", "2l2rrqjvbd1c4ufj7tt58cg4qs00dtst",
        String(repeating: "a", count: 300), "clusters;x", "%2F", "ñ",
    ]

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    static func randomPath(_ random: inout SeededGenerator, knownID: String) -> String {
        var parts: [String] = []
        let depth = Int.random(in: 0...4, using: &random)
        for _ in 0..<depth {
            parts.append(Bool.random(using: &random) ? knownID : segments.randomElement(using: &random)!)
        }
        let prefix = ["/api/hyperfleet/v1", "/api/hyperfleet/v1", "/api/hyperfleet/v1/clusters/\(knownID)", "/api/hyperfleet", "", "/api//hyperfleet/v1"]
            .randomElement(using: &random)!
        var path = prefix + (parts.isEmpty ? "" : "/" + parts.joined(separator: "/"))
        if path.isEmpty || Int.random(in: 0..<10, using: &random) == 0 { path += "/" }
        return path
    }

    static func randomQuery(_ random: inout SeededGenerator) -> String {
        var pairs: [String] = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let name = ["page", "pageSize", "orderBy", "order", "search", "force", "page", "pageSize", "x"].randomElement(using: &random)!
            let value: String
            switch name {
            case "page", "pageSize": value = numbers.randomElement(using: &random)!
            case "search":
                value = (0..<Int.random(in: 1...7, using: &random)).map { _ in searchTokens.randomElement(using: &random)! }
                    .joined(separator: " ")
            default: value = words.randomElement(using: &random)!
            }
            pairs.append(name + "=" + percentEncoded(value))
        }
        if Int.random(in: 0..<20, using: &random) == 0 { pairs.append("page") }
        return pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
    }

    @Test func randomListParametersAndPathsNeverGet5xxOrCrashTheServer() async throws {
        try await APIHarness.run { api in
            let knownID = try #require(try await api.createCluster("fuzz-target").at("id")?.stringValue)
            _ = try await api.createNodePool(knownID, "fuzz-pool")
            let port = try #require(api.client.port)
            let failures = try await onOwnThread { () -> [String] in
                var random = SeededGenerator(seed: 0x5EED_0011)
                var failures: [String] = []
                var socket = try TestSocket(port: port)
                for _ in 0..<3000 {
                    let method = ["GET", "GET", "GET", "GET", "HEAD", "DELETE", "POST", "PATCH", "PUT", "OPTIONS"].randomElement(using: &random)!
                    let target = Self.randomPath(&random, knownID: knownID) + Self.randomQuery(&random)
                    let body = method == "POST" || method == "PATCH" ? #"{"name":"x","spec":{}}"# : ""
                    let request = "\(method) \(target) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
                    do {
                        try socket.send(request)
                        let response = try socket.readResponse(toHead: method == "HEAD")
                        if response.status >= 500 || response.status < 100 { failures.append("\(response.status) for \(method) \(target)") }
                        if response.closes { socket = try TestSocket(port: port) }
                    } catch {
                        failures.append("no answer for \(method) \(target): \(error)")
                        socket = try TestSocket(port: port)
                    }
                }
                return failures
            }
            #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(5))")
            #expect(try await api.get("/api/hyperfleet").status == 200)
        }
    }
}
