import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `Date` response header in RFC 9110's IMF-fixdate form, formatted at most once a second.
enum HTTPDate {
    private struct Cached {
        var second = -1
        var text = ""
    }

    private static let cache = Mutex(Cached())
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func now() -> String {
        let second = Int(time(nil))
        if let text = cache.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = format(epochSeconds: second)
        cache.withLock { $0 = Cached(second: second, text: text) }
        return text
    }

    /// e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func format(epochSeconds: Int) -> String {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
