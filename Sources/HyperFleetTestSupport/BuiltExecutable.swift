import Foundation

/// The `hyperfleet` executable of this build, for tests that run it as a separate process: it sits
/// beside the test bundle (`swift build --build-tests` builds both). `HYPERFLEET_BINARY` overrides.
public enum BuiltExecutable {
    public static var hyperfleet: URL {
        if let path = ProcessInfo.processInfo.environment["HYPERFLEET_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let testBundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: testBundle).deletingLastPathComponent().appendingPathComponent("hyperfleet")
    }
}
