import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A sample of durations in milliseconds, with nearest-rank percentiles.
struct Sample {
    private(set) var values: [Double] = []

    mutating func add(_ duration: Duration) { values.append(duration.inMilliseconds) }
    mutating func add(milliseconds: Double) { values.append(milliseconds) }

    var count: Int { values.count }

    /// Nearest-rank percentile (p in 0...100); 0 for an empty sample.
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }

    var median: Double { percentile(50) }
    var max: Double { values.max() ?? 0 }
    var min: Double { values.min() ?? 0 }
    var total: Double { values.reduce(0, +) }
}

extension Duration {
    /// This duration in (fractional) milliseconds.
    var inMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// Times `body` on the monotonic clock.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, ContinuousClock.now - start)
}

/// Number formatting for the report.
enum Format {
    static func ms(_ value: Double) -> String { String(format: "%.2f", value) }
    static func one(_ value: Double) -> String { String(format: "%.1f", value) }
    static func mib(kilobytes: Int) -> String { String(format: "%.1f MiB", Double(kilobytes) / 1024) }
    static func int(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + String(out.reversed())
    }
}

/// The process's memory, for "memory does not grow with the total".
enum ProcessMemory {
    /// Peak resident set size of this process so far (getrusage `ru_maxrss`, kilobytes on Linux).
    /// Linux keeps it across execve, so under `swift run` it starts at swift-run's own peak.
    static func maxResidentKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
    }

    /// CPU time (user + system, all threads) this process has used so far.
    static func cpuTime() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micros(_ t: timeval) -> Int64 { Int64(t.tv_sec) * 1_000_000 + Int64(t.tv_usec) }
        return .microseconds(micros(usage.ru_utime) + micros(usage.ru_stime))
    }

    /// Resets the peak that `peakResidentKilobytes` reports (Linux: "5" to /proc/self/clear_refs);
    /// false when the kernel does not allow it.
    @discardableResult
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Array("5".utf8)) } catch { return false }
        return true
    }

    /// Peak resident set size since start or the last `resetPeak` (VmHWM of /proc/self/status), kilobytes.
    static func peakResidentKilobytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return value
    }

    /// Current resident set size (from /proc/self/statm), kilobytes; 0 when unavailable.
    static func currentResidentKilobytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}

/// What the report says about the machine.
enum Machine {
    static var summary: String {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        func field(_ name: String) -> String {
            guard let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
                let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
            else { return "?" }
            return String(format: "%.1f GiB", Double(kilobytes) / 1_048_576)
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?" } ?? "?"
        return "nproc \(ProcessInfo.processInfo.activeProcessorCount) (\(model)), memory \(field("MemTotal")) total, "
            + "\(field("MemAvailable")) available, load average \(loadAverage)"
    }

    /// The 1-minute load average (other work on the shared machine skews every figure).
    static var loadAverage: String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// Prints a line at once (stdout may be a pipe to a file, which C buffers).
func say(_ line: String = "") {
    let text = line + "\n"
    text.utf8CString.withUnsafeBufferPointer { buffer in
        _ = write(1, buffer.baseAddress, buffer.count - 1)
    }
}
