/// JSON text for the bound containment constants (`labels @> $n::jsonb`). Written out here because
/// the target is pure Swift without Foundation.
enum JSONText {
    /// `{"k":"v",...}` with every string escaped per RFC 8259.
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(string($0.0)):\(string($0.1))" }.joined(separator: ",") + "}"
    }

    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
