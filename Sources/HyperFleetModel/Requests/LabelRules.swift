import HyperFleetJSON
/// Checks a JSON labels member against the label syntax.
enum LabelRules {
    /// Field errors for `value` as a labels map; `allowNullValues` permits null (merge-patch removals).
    static func problems(in value: JSONValue, field: String, allowNullValues: Bool) -> [FieldError] {
        guard let members = value.objectValue else {
            return [FieldError(field: field, error: "must be an object of string values, got \(value.typeName)")]
        }
        var problems: [FieldError] = []
        for key in members.keys.sorted() {
            let path = "\(field).\(key)"
            if let keyProblem = Names.labelKeyProblem(key) {
                problems.append(FieldError(field: path, error: keyProblem))
            }
            switch members[key]! { // key comes from the dictionary itself
            case .string(let text):
                if let valueProblem = Names.labelValueProblem(text) {
                    problems.append(FieldError(field: path, error: valueProblem))
                }
            case .null where allowNullValues:
                break
            case let other:
                problems.append(FieldError(field: path, error: "label value must be a string, got \(other.typeName)"))
            }
        }
        return problems
    }
}
