import Foundation
import HyperFleetTestSupport
import Testing

/// A throwaway PostgreSQL database driven through `psql` (tests only; the TSL target does no I/O).
struct TestDatabase {
    static let environmentVariable = "HYPERFLEET_TEST_DATABASE_URL"

    /// Connection URL of this test's own database.
    let url: String

    /// Creates a randomly named database, runs `body`, and drops the database afterwards.
    static func with(_ body: (TestDatabase) async throws -> Void) async throws {
        let baseURL = try #require(
            ProcessInfo.processInfo.environment[environmentVariable],
            "\(environmentVariable) is not set; export it, e.g. postgresql://postgres@127.0.0.1:54329/postgres"
        )
        var components = try #require(URLComponents(string: baseURL), "\(environmentVariable) is not a valid URL")
        let name = "tsl_test_" + UUID().uuidString.lowercased().replacing("-", with: "")
        let admin = TestDatabase(url: baseURL)
        _ = try await admin.run("CREATE DATABASE \(name);")
        components.path = "/\(name)"
        let outcome: Result<Void, any Error>
        do {
            outcome = .success(try await body(TestDatabase(url: try #require(components.string))))
        } catch {
            outcome = .failure(error)
        }
        _ = try? await admin.run("DROP DATABASE IF EXISTS \(name) WITH (FORCE);")
        try outcome.get()
    }

    /// Runs a psql script (stops at the first error) and returns its unaligned, tuples-only output lines.
    @discardableResult
    func run(_ script: String) async throws -> [String] {
        // Script goes through a temporary file: writing to psql's stdin could SIGPIPE if it exits early.
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("tsl-\(UUID().uuidString).sql")
        try Data(script.utf8).write(to: scriptURL)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        let (exit, output, errors) = try await ChildProcess.output(
            URL(fileURLWithPath: "/usr/bin/psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", scriptURL.path])
        guard exit == .exited(0) else {
            throw PSQLFailure(message: "psql exited with \(exit.code): \(errors)\nscript:\n\(script)")
        }
        // Keep empty lines (an empty result is a row too); only the final newline is dropped.
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// A SQL string literal, for test scripts only (the library itself never quotes values).
    static func literal(_ value: String?) -> String {
        guard let value else { return "NULL" }
        return "'" + value.replacing("'", with: "''") + "'"
    }
}

struct PSQLFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
