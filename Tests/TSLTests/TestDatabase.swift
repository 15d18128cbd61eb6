import Foundation
import Testing

/// A throwaway PostgreSQL database driven through `psql` (tests only; the TSL target does no I/O).
struct TestDatabase {
    static let environmentVariable = "HYPERFLEET_TEST_DATABASE_URL"

    /// Connection URL of this test's own database.
    let url: String

    /// Creates a randomly named database, runs `body`, and drops the database afterwards.
    static func with(_ body: (TestDatabase) throws -> Void) throws {
        let baseURL = try #require(
            ProcessInfo.processInfo.environment[environmentVariable],
            "\(environmentVariable) is not set; export it, e.g. postgresql://postgres@127.0.0.1:54329/postgres"
        )
        var components = try #require(URLComponents(string: baseURL), "\(environmentVariable) is not a valid URL")
        let name = "tsl_test_" + UUID().uuidString.lowercased().replacing("-", with: "")
        let admin = TestDatabase(url: baseURL)
        _ = try admin.run("CREATE DATABASE \(name);")
        defer { _ = try? admin.run("DROP DATABASE IF EXISTS \(name) WITH (FORCE);") }
        components.path = "/\(name)"
        try body(TestDatabase(url: try #require(components.string)))
    }

    /// Runs a psql script (stops at the first error) and returns its unaligned, tuples-only output lines.
    @discardableResult
    func run(_ script: String) throws -> [String] {
        // Script goes through a temporary file: writing to psql's stdin could SIGPIPE if it exits early.
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("tsl-\(UUID().uuidString).sql")
        try Data(script.utf8).write(to: scriptURL)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", scriptURL.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = String(decoding: errorData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw PSQLFailure(message: "psql exited with \(process.terminationStatus): \(errorText)\nscript:\n\(script)")
        }
        // Keep empty lines (an empty result is a row too); only the final newline is dropped.
        var lines = String(decoding: outputData, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
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
