/// Syntax rules for resource names and Kubernetes-style labels.
public enum Names {
    /// 3..63, ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
    public static func isValidResourceName(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        return (3...63).contains(bytes.count) && isDNSLabel(bytes)
    }

    /// Why `s` is not a valid resource name, or nil when it is.
    public static func resourceNameProblem(_ s: String) -> String? {
        let count = s.utf8.count
        if count < 3 || count > 63 { return "must be 3 to 63 characters long (got \(count))" }
        if !isValidResourceName(s) {
            return "must consist of lowercase letters, digits and '-', and start and end with a letter or digit"
        }
        return nil
    }

    /// nil if valid, else the rule broken: `[prefix/]name`, prefix a DNS subdomain (at most 253),
    /// name at most 63 of [A-Za-z0-9._-] with alphanumerics at both ends.
    public static func labelKeyProblem(_ key: String) -> String? {
        if key.isEmpty { return "label key must not be empty" }
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count > 2 { return "label key may contain at most one '/'" }
        let name = parts.count == 2 ? parts[1] : parts[0]
        if parts.count == 2 {
            let prefix = Array(parts[0].utf8)
            if prefix.isEmpty { return "label key prefix before '/' must not be empty" }
            if prefix.count > 253 { return "label key prefix must be at most 253 characters" }
            let labels = prefix.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            if labels.contains(where: { $0.count > 63 || !isDNSLabel(Array($0)) }) {
                return "label key prefix must be a DNS subdomain: lowercase alphanumeric labels of at most 63 characters, '-' inside, separated by '.'"
            }
        }
        let nameBytes = Array(name.utf8)
        if nameBytes.isEmpty { return "label key name must not be empty" }
        if nameBytes.count > 63 { return "label key name must be at most 63 characters" }
        if !isQualifiedName(nameBytes) {
            return "label key name must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit"
        }
        return nil
    }

    /// nil if valid, else the rule broken: at most 63 of [A-Za-z0-9._-], alphanumerics at both ends, may be empty.
    public static func labelValueProblem(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        if bytes.isEmpty { return nil }
        if bytes.count > 63 { return "label value must be at most 63 characters" }
        if !isQualifiedName(bytes) {
            return "label value must consist of letters, digits, '-', '_' or '.', and start and end with a letter or digit"
        }
        return nil
    }

    // MARK: Character classes

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (no length check).
    private static func isDNSLabel(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last,
              isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// ^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$ (no length check).
    private static func isQualifiedName(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last,
              isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }
}
