import Foundation
import HyperFleetJSON
import HyperFleetModel
import HyperFleetOps
import HyperFleetTracing
import Logging
import Synchronization
import Testing
import Tracing

#if canImport(Glibc)
import Glibc
#endif

/// Serialized: the text-format test redirects the process's standard error for a moment.
@Suite(.serialized) struct LogMetadataTests {
    private func ids(_ tracer: any Tracer, _ context: ServiceContext) throws -> (trace: String, span: String) {
        let parts = try #require(tracer.traceHeaders(of: context).traceparent).split(separator: "-").map(String.init)
        return (parts[1], parts[2])
    }

    @Test func theProviderGivesTheActiveSpansIdsAndNothingWithoutOne() throws {
        let tracer = try localTracer()
        #expect(TraceLogMetadata.provider.get().isEmpty)
        try tracer.withSpan("work") { span in
            let expected = try ids(tracer, span.context)
            let metadata = TraceLogMetadata.provider.get()
            #expect(metadata["trace_id"]?.description == expected.trace)
            #expect(metadata["span_id"]?.description == expected.span)
        }
        #expect(TraceLogMetadata.provider.get().isEmpty)
    }

    @Test func jsonLinesCarryTheIdsWhileASpanIsActive() throws {
        let tracer = try localTracer()
        let handler = JSONLogHandler(label: "hyperfleet.api", metadataProvider: TraceLogMetadata.provider)
        func object(_ metadata: Logger.Metadata) throws -> [String: JSONValue] {
            let bytes = JSONLogHandler.line(
                time: Timestamp(microsecondsSinceEpoch: 1_764_979_200_000_000), level: .info, label: handler.label, message: "m",
                metadata: handler.lineMetadata(metadata))
            return try #require(try JSONValue.parse(String(decoding: bytes, as: UTF8.self)).objectValue)
        }
        let outside = try object(["resource": "c1"])
        #expect(outside["trace_id"] == nil)
        #expect(outside["span_id"] == nil)
        #expect(outside["resource"] == .string("c1"))
        try tracer.withSpan("work") { span in
            let expected = try ids(tracer, span.context)
            let inside = try object(["resource": "c1"])
            #expect(inside["trace_id"] == .string(expected.trace))
            #expect(inside["span_id"] == .string(expected.span))
            #expect(inside["resource"] == .string("c1"))
        }
    }

    @Test func textLinesCarryTheIdsWhileASpanIsActive() throws {
        let tracer = try localTracer()
        let logger = Logger(label: "hyperfleet.tracing-text-test") { label in
            StreamLogHandler.standardError(label: label, metadataProvider: TraceLogMetadata.provider)
        }
        var expected = (trace: "", span: "")
        let output = try capturingStandardError {
            logger.info("outside-span-line")
            try tracer.withSpan("work") { span in
                expected = try ids(tracer, span.context)
                logger.info("inside-span-line")
            }
        }
        let lines = output.split(separator: "\n").map(String.init)
        let inside = try #require(lines.first { $0.contains("inside-span-line") })
        let outside = try #require(lines.first { $0.contains("outside-span-line") })
        #expect(inside.contains("trace_id=\(expected.trace)"))
        #expect(inside.contains("span_id=\(expected.span)"))
        #expect(!outside.contains("trace_id"))
        #expect(!outside.contains("span_id"))
    }

    /// Runs `body` with file descriptor 2 sent to a pipe and returns what was written up to a marker
    /// written after it. Every other test's log lines go into the pipe too for that moment, so it is
    /// drained on a thread of its own the whole time (a full pipe would block every thread that logs,
    /// `body` included), and the read end stays open until the last writer is gone (a child process
    /// started meanwhile inherits the pipe as its standard error and must not get SIGPIPE).
    private func capturingStandardError(_ body: () throws -> Void) throws -> String {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let readEnd = fds[0]
        let marker = "capture-end-\(UInt64.random(in: 0...UInt64.max))\n"
        let collected = Mutex<[UInt8]>([])
        let sawMarker = DispatchSemaphore(value: 0)
        Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            var signalled = false
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                if signalled { continue }  // late writers: drained, not kept
                let hasMarker = collected.withLock { all in
                    all.append(contentsOf: buffer[0..<count])
                    // Only the bytes just read, and the marker's length before them, can complete it.
                    return String(decoding: all.suffix(count + marker.utf8.count), as: UTF8.self).contains(marker)
                }
                if hasMarker {
                    signalled = true
                    sawMarker.signal()
                }
            }
            close(readEnd)
            if !signalled { sawMarker.signal() }
        }.start()
        fflush(nil)
        let saved = dup(2)
        dup2(fds[1], 2)
        close(fds[1])
        var failure: (any Error)?
        do { try body() } catch { failure = error }
        fflush(nil)
        _ = Array(marker.utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        let complete = sawMarker.wait(timeout: .now() + 30) == .success
        dup2(saved, 2)
        close(saved)
        if let failure { throw failure }
        try #require(complete, "the captured standard error never showed the end marker")
        let text = String(decoding: collected.withLock { $0 }, as: UTF8.self)
        return String(text[..<(text.range(of: marker)?.lowerBound ?? text.endIndex)])
    }
}
