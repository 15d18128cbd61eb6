import Foundation
import Yams

/// A configuration problem, always naming the key and the rule.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public var key: String
    public var problem: String
    public init(key: String, _ problem: String) {
        self.key = key
        self.problem = problem
    }
    public var description: String { key.isEmpty ? problem : "configuration key '\(key)': \(problem)" }
}

/// Reads typed values from a YAML document with environment overrides, and remembers every key it
/// was asked for, so that keys nobody asked for are reported as unknown (typos must not pass).
///
/// The environment variable for `server.port` read with the prefix `HYPERFLEET_API` is
/// `HYPERFLEET_API_SERVER_PORT`: the prefix, then the key path upper-cased with dots as underscores.
/// It wins over the file. The keys in `sharedKeys` (log settings, the database URL) are the same for
/// every process and take the plain `HYPERFLEET_` prefix (`HYPERFLEET_LOG_LEVEL`), so one variable sets
/// them for the API, the Sentinel and the adapters alike, while no process reads another's settings.
public final class ConfigReader {
    /// Keys every process reads under the shared prefix.
    public static let sharedKeys: Set<String> = ["log.level", "log.format", "database.url"]
    /// The prefix of the shared keys' environment variables.
    public static let sharedPrefix = "HYPERFLEET"

    private let root: [String: Any]
    private let environment: [String: String]
    private let prefix: String
    private var consumed: Set<String> = []
    public private(set) var sources: [String: String] = [:]

    public init(yaml: String, environment: [String: String], prefix: String = "HYPERFLEET", origin: String = "config") throws {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigError(key: "", "\(origin) is not valid YAML: \(error)")
        }
        if loaded == nil {
            root = [:]
        } else if let map = loaded as? [String: Any] {
            root = map
        } else {
            throw ConfigError(key: "", "\(origin) must be a YAML mapping at the top level")
        }
        self.environment = environment
        self.prefix = prefix
    }

    /// Reads the file at `path` (or an empty document when `path` is nil).
    public convenience init(file path: String?, environment: [String: String], prefix: String = "HYPERFLEET") throws {
        guard let path else {
            try self.init(yaml: "", environment: environment, prefix: prefix)
            return
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(key: "", "cannot read configuration file '\(path)'")
        }
        try self.init(yaml: text, environment: environment, prefix: prefix, origin: path)
    }

    public func environmentName(_ key: String) -> String {
        (Self.sharedKeys.contains(key) ? Self.sharedPrefix : prefix) + "_" + key.uppercased().replacingOccurrences(of: ".", with: "_").replacingOccurrences(of: "-", with: "_")
    }

    /// The raw value at `key`: the environment first, then the file.
    private func raw(_ key: String) throws -> Any? {
        consumed.insert(key)
        if let value = environment[environmentName(key)] {
            sources[key] = environmentName(key)
            return value
        }
        var node: Any? = root
        for part in key.split(separator: ".") {
            guard let current = node else { return nil }
            if current is NSNull { return nil }
            guard let map = current as? [String: Any] else {
                throw ConfigError(key: key, "expected a mapping above this key")
            }
            node = map[String(part)]
        }
        if node is NSNull { return nil }
        if node != nil { sources[key] = "file" }
        return node
    }

    public func string(_ key: String, default value: String) throws -> String {
        try optionalString(key) ?? value
    }

    public func optionalString(_ key: String) throws -> String? {
        guard let value = try raw(key) else { return nil }
        switch value {
        case let text as String: return text
        case let number as Int: return String(number)
        case let number as Double: return String(number)
        case let flag as Bool: return flag ? "true" : "false"
        default: throw ConfigError(key: key, "expected a string")
        }
    }

    public func int(_ key: String, default value: Int, range: ClosedRange<Int>? = nil) throws -> Int {
        guard let raw = try raw(key) else { return value }
        let parsed: Int?
        switch raw {
        case let number as Int: parsed = number
        case let text as String: parsed = Int(text.trimmingCharacters(in: .whitespaces))
        default: parsed = nil
        }
        guard let parsed else { throw ConfigError(key: key, "expected an integer, got '\(raw)'") }
        if let range, !range.contains(parsed) {
            throw ConfigError(key: key, "must be between \(range.lowerBound) and \(range.upperBound), got \(parsed)")
        }
        return parsed
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let raw = try raw(key) else { return value }
        switch raw {
        case let flag as Bool: return flag
        case let text as String:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: break
            }
        default: break
        }
        throw ConfigError(key: key, "expected true or false, got '\(raw)'")
    }

    /// A duration such as `500ms`, `10s`, `5m`, `1h`, `1h30m`; must be positive unless `allowZero`.
    public func duration(_ key: String, default value: Duration, allowZero: Bool = false) throws -> Duration {
        guard let raw = try raw(key) else { return value }
        let text: String
        switch raw {
        case let string as String: text = string
        case let number as Int: text = "\(number)s"
        default: throw ConfigError(key: key, "expected a duration like 500ms, 10s, 5m or 1h")
        }
        guard let parsed = DurationText.parse(text) else {
            throw ConfigError(key: key, "'\(text)' is not a duration (use forms like 500ms, 10s, 5m, 1h)")
        }
        if parsed < .zero || (parsed == .zero && !allowZero) {
            throw ConfigError(key: key, "must be a positive duration, got '\(text)'")
        }
        return parsed
    }

    /// A list of strings: a YAML sequence, or a comma-separated string (environment).
    public func stringList(_ key: String, default value: [String]) throws -> [String] {
        guard let raw = try raw(key) else { return value }
        switch raw {
        case let text as String:
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case let items as [Any]:
            return try items.map { item in
                guard let text = item as? String else { throw ConfigError(key: key, "expected a list of strings") }
                return text
            }
        default:
            throw ConfigError(key: key, "expected a list of strings")
        }
    }

    /// A string -> string mapping (for pass-through properties such as librdkafka's). From the
    /// environment it is `name=value` pairs separated by commas or newlines (values may hold `=`), so a
    /// Secret can carry, for example, `sasl.password`.
    public func stringMap(_ key: String) throws -> [String: String] {
        guard let raw = try raw(key) else { return [:] }
        if let text = raw as? String {
            var map: [String: String] = [:]
            for pair in text.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { continue }
                guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                    throw ConfigError(key: key, "expected name=value pairs separated by commas, got '\(trimmed.prefix(40))'")
                }
                map[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
            }
            return map
        }
        guard let map = raw as? [String: Any] else { throw ConfigError(key: key, "expected a mapping of strings") }
        return try map.mapValues { value in
            switch value {
            case let text as String: return text
            case let number as Int: return String(number)
            case let flag as Bool: return flag ? "true" : "false"
            default: throw ConfigError(key: key, "expected a mapping of strings")
            }
        }
    }

    /// Every key in the file that no reader asked for.
    public func unknownKeys() -> [String] {
        var unknown: [String] = []
        func walk(_ node: Any, path: String) {
            if !path.isEmpty, consumed.contains(path) { return }
            guard let map = node as? [String: Any] else {
                unknown.append(path)
                return
            }
            if map.isEmpty, !path.isEmpty, !consumed.contains(where: { $0.hasPrefix(path + ".") }) {
                unknown.append(path)
            }
            for (key, value) in map {
                walk(value, path: path.isEmpty ? key : path + "." + key)
            }
        }
        walk(root, path: "")
        return unknown.sorted()
    }

    /// Throws for the first unknown key; call after reading everything.
    public func rejectUnknownKeys() throws {
        if let first = unknownKeys().first {
            throw ConfigError(key: first, "unknown key (check its spelling and section)")
        }
    }
}

/// Parses and prints durations the way the configuration files write them.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var rest = Substring(trimmed)
        var negative = false
        if rest.hasPrefix("-") {
            negative = true
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var total: Duration = .zero
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let number = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            default: return nil
            }
            total += .milliseconds(Int64((number * scale * 1000).rounded()))
        }
        return negative ? .zero - total : total
    }

    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 86_400_000 == 0, milliseconds != 0 { return "\(milliseconds / 86_400_000)d" }
        if milliseconds % 3_600_000 == 0, milliseconds != 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0, milliseconds != 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}

extension Duration {
    /// Seconds as a floating-point number (for intervals handed to APIs that take seconds).
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
