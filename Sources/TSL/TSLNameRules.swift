/// Validation of the dynamic field names: Kubernetes label keys and condition types.
enum TSLNameRules {
    static let maxLabelNameLength = 63
    static let maxLabelPrefixLength = 253

    /// Why `key` is not a valid Kubernetes label key, or nil if it is valid.
    static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return "it contains more than one '/'" }
        let name = Array(parts[parts.count - 1])
        if parts.count == 2 {
            let prefix = Array(parts[0])
            if prefix.isEmpty { return "its prefix before '/' is empty" }
            if prefix.count > maxLabelPrefixLength { return "its prefix is longer than \(maxLabelPrefixLength) characters" }
            if !isDNSSubdomain(prefix) { return "its prefix is not a lowercase DNS subdomain" }
        }
        if name.isEmpty { return "its name is empty" }
        if name.count > maxLabelNameLength { return "its name is longer than \(maxLabelNameLength) characters" }
        guard name.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "-" || $0 == "_" || $0 == "." }) else {
            return "its name may only contain letters, digits, '-', '_' and '.'"
        }
        guard name.first!.isASCIIAlphanumeric, name.last!.isASCIIAlphanumeric else {
            return "its name must start and end with a letter or digit"
        }
        return nil
    }

    /// RFC 1123 subdomain: dot-separated lowercase alphanumeric labels with inner '-'.
    private static func isDNSSubdomain(_ text: [Character]) -> Bool {
        let isLowerAlphanumeric = { (c: Character) in c.isASCIILowercaseLetter || c.isASCIIDigit }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard let first = label.first, let last = label.last else { return false }
            return isLowerAlphanumeric(first) && isLowerAlphanumeric(last)
                && label.allSatisfy { isLowerAlphanumeric($0) || $0 == "-" }
        }
    }

    /// Whether `type` is a condition type: `[A-Za-z][A-Za-z0-9]*`.
    static func isConditionType(_ type: String) -> Bool {
        guard let first = type.first, first.isASCIILetter else { return false }
        return type.allSatisfy(\.isASCIIAlphanumeric)
    }

    /// The only values a condition status may be compared with.
    static let conditionStatuses = ["True", "False", "Unknown"]
}
