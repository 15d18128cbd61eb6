import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses and renders libpq connection strings using libpq's own parser (URI or key=value).
enum LibPQConnectionInfo {
    /// The explicitly set options of `connectionString`, in libpq's canonical order.
    static func parse(_ connectionString: String) throws -> [(key: String, value: String)] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0).trimmingTrailingNewlines } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(kind: .connection, message: "invalid connection string: \(reason)")
        }
        defer { PQconninfoFree(options) }
        var parsed: [(key: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                parsed.append((String(cString: keyword), String(cString: value)))
            }
            option += 1
        }
        return parsed
    }

    /// Renders options in key='value' form with libpq quoting (backslash-escaped quotes and backslashes).
    static func render(_ options: [(key: String, value: String)]) -> String {
        options.map { option in
            var quoted = "'"
            for character in option.value {
                if character == "'" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return "\(option.key)=\(quoted)'"
        }.joined(separator: " ")
    }
}
