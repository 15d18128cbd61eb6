import Foundation
import HyperFleetTestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Python's `http.server` on a free loopback port, serving one directory (for the JWKS URL tests).
///
/// The server is told to exit by closing its standard input (which also covers a crashed test run) and
/// is then SIGKILLed.
final class StaticFileServer {
    private let process: ChildProcess
    /// The write end of the server's standard input.
    private let input: Int32
    private var inputOpen = true
    let port: Int

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Binds port 0, prints the chosen port, quits when stdin closes, logs nothing.
    private static let script = """
        import functools, http.server, os, sys, threading
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
        print(server.server_address[1], flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        server.serve_forever()
        """

    init(directory: URL) throws {
        // The child gets its ends as its standard streams only (ChildProcess closes every other descriptor).
        var inputPipe: [Int32] = [0, 0]
        var outputPipe: [Int32] = [0, 0]
        guard pipe(&inputPipe) == 0 else { throw StartFailure(description: "pipe: \(errno)") }
        guard pipe(&outputPipe) == 0 else {
            close(inputPipe[0])
            close(inputPipe[1])
            throw StartFailure(description: "pipe: \(errno)")
        }
        input = inputPipe[1]
        do {
            process = try ChildProcess(
                URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", Self.script, directory.path],
                standardInput: .descriptor(inputPipe[0]), standardOutput: .descriptor(outputPipe[1]), standardError: .null)
        } catch {
            [inputPipe[0], inputPipe[1], outputPipe[0], outputPipe[1]].forEach { close($0) }
            throw error
        }
        close(inputPipe[0])
        close(outputPipe[1])
        defer { close(outputPipe[0]) }

        var banner = ""
        var buffer = [UInt8](repeating: 0, count: 256)
        while !banner.contains("\n") {
            let count = read(outputPipe[0], &buffer, buffer.count)
            if count <= 0 {
                Self.shutDown(process, input: input)
                throw StartFailure(description: "python3 http.server exited before announcing its port: \(banner)")
            }
            banner += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        guard let port = Int(banner.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            Self.shutDown(process, input: input)
            throw StartFailure(description: "unexpected http.server output: \(banner)")
        }
        self.port = port
    }

    func url(_ file: String) -> String {
        "http://127.0.0.1:\(port)/\(file)"
    }

    func stop() {
        if inputOpen {
            inputOpen = false
            Self.shutDown(process, input: input)
        }
    }

    /// Closes the server's standard input and SIGKILLs it if it still runs. Called once: a second
    /// close would close whatever descriptor reused the number meanwhile.
    private static func shutDown(_ process: ChildProcess, input: Int32) {
        close(input)
        process.send(SIGKILL)
    }

    deinit {
        stop()
    }
}
