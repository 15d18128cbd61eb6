import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Python's `http.server` on a free loopback port, serving one directory (for the JWKS URL tests).
///
/// Children started by Foundation's `Process` on Linux can inherit a blocked SIGTERM, so the server is
/// told to exit by closing its stdin (which also covers a crashed test run) and is then SIGKILLed.
final class StaticFileServer {
    private let process = Process()
    private let input = Pipe()
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
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, directory.path]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        var banner = ""
        while !banner.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                Self.shutDown(process, input: input)
                throw StartFailure(description: "python3 http.server exited before announcing its port: \(banner)")
            }
            banner += String(decoding: chunk, as: UTF8.self)
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
        Self.shutDown(process, input: input)
    }

    private static func shutDown(_ process: Process, input: Pipe) {
        try? input.fileHandleForWriting.close()
        // No waitUntilExit(): it can park the calling thread for good (see ChildProcess); SIGKILL is certain.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    deinit {
        stop()
    }
}
