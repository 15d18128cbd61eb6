import Foundation
import HyperFleetTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `hyperfleet api` running as a child process on a database of the test's own, so that a
/// test can measure its memory, signal it and see how it exits. `HYPERFLEET_TEST_BINARY` names another
/// binary to try (for example main's, to show a test failing on the old server).
final class SpawnedAPI: Sendable {
    let process: ChildProcess
    let port: Int
    let configFile: URL

    /// The `hyperfleet` binary next to the test bundle (both are built by `swift build --build-tests`).
    static func binaryPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["HYPERFLEET_TEST_BINARY"], !path.isEmpty { return path }
        let runner = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        var folder = runner.deletingLastPathComponent()
        // The runner may be inside an `.xctest` bundle folder; the binaries sit beside that folder.
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("hyperfleet").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw TestSocket.Failure(description: "no built hyperfleet binary near \(runner.path); run `swift build --build-tests` first")
    }

    /// Starts the API (auth off, migrations on start) and waits until it answers.
    init(databaseURL: String, configuration extra: String = "") async throws {
        port = try TestSocket.freePort()
        let healthPort = try TestSocket.freePort()
        let metricsPort = try TestSocket.freePort()
        configFile = FileManager.default.temporaryDirectory.appendingPathComponent("hf-api-\(UUID().uuidString).yaml")
        let yaml = """
            server:
              host: 127.0.0.1
              port: \(port)
              health_port: \(healthPort)
              metrics_port: \(metricsPort)
            \(extra)
            auth:
              enabled: false
            log:
              level: error
            migrate_on_start: true
            """
        try yaml.write(to: configFile, atomically: true, encoding: .utf8)
        process = try ChildProcess(
            URL(fileURLWithPath: try Self.binaryPath()), ["api", "--config", configFile.path, "--database-url", databaseURL],
            environment: ["PATH": "/usr/bin:/bin"], standardOutput: .null)
        for _ in 0..<600 {
            if let status = try? await TestSocket.roundTrip(port: port, "GET /api/hyperfleet HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").status,
                status == 200
            {
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw TestSocket.Failure(description: "hyperfleet api did not start answering on port \(port)")
    }

    /// Resident memory from `/proc/PID/status`, in KiB.
    func residentKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) })
        else { throw TestSocket.Failure(description: "no VmRSS in /proc/\(process.processIdentifier)/status") }
        return kib
    }

    func terminate() {
        process.send(SIGTERM)
    }

    /// Waits for the process to end; returns its exit code (or 128 + signal).
    func waitForExit() async -> Int32 {
        await process.waitForExit().code
    }

    /// Kills the process if it still runs and removes its configuration file.
    func stop() {
        process.send(SIGKILL)
        try? FileManager.default.removeItem(at: configFile)
    }
}

/// A blocking TCP client socket for the process tests; blocking calls run on threads of their own.
final class TestSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let descriptor: Int32
    private var pending: [UInt8] = []

    init(port: Int, receiveTimeoutSeconds: Int = 10) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket() failed: \(errno)") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = Self.loopback(port: port)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: a class initializer that throws once every property is set still runs deinit,
        // and a second close() would close whatever the descriptor's number was handed to meanwhile (a
        // NIO socket of another test: its selector then asserts, or its connection silently dies).
        guard connected == 0 else { throw Failure(description: "connect() to port \(port) failed: \(errno)") }
    }

    deinit { Glibc.close(descriptor) }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// A port the kernel just handed out and released (the spawned process binds it next).
    static func freePort() throws -> Int {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(probe) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname() failed: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send() failed: \(errno)") }
            sent += written
        }
    }

    /// Sends what the socket takes without blocking; returns the bytes written (0 when its buffer is full).
    func sendWithoutBlocking(_ bytes: ArraySlice<UInt8>) -> Int {
        let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        return max(written, 0)
    }

    /// Reads more bytes into `pending`; false at the end of the stream.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        guard count > 0 else { throw Failure(description: "no data before the receive timeout (errno \(errno))") }
        pending.append(contentsOf: buffer[0..<count])
        return true
    }

    struct Response {
        var status: Int
        var body: String
        /// The server said `Connection: close`.
        var closes: Bool
    }

    /// Reads one response with a `Content-Length` body (none for a HEAD request).
    func readResponse(toHead: Bool = false) throws -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            if let end = pending.firstRange(of: separator) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                let lines = head.components(separatedBy: "\r\n")
                let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
                }
                let length = toHead ? 0 : headers["content-length"].flatMap { Int($0) } ?? 0
                while pending.count < end.upperBound + length {
                    guard try fill() else { throw Failure(description: "closed inside a response body") }
                }
                let body = String(decoding: pending[end.upperBound..<(end.upperBound + length)], as: UTF8.self)
                pending.removeFirst(end.upperBound + length)
                return Response(status: status, body: body, closes: headers["connection"]?.lowercased() == "close")
            }
            guard try fill() else { throw Failure(description: "closed before a response") }
        }
    }

    /// Waits for the server to close the connection; true when it did (false: data or a timeout).
    func readsEndOfStream() -> Bool {
        (try? fill()) == false
    }

    /// One request on a fresh connection, run on a thread of its own.
    static func roundTrip(port: Int, _ request: String) async throws -> Response {
        try await onOwnThread {
            let socket = try TestSocket(port: port)
            try socket.send(request)
            return try socket.readResponse()
        }
    }
}

/// Runs blocking work on a new thread, never on the cooperative pool.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
