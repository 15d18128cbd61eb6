import HyperFleetJSON
/// A validated PATCH body: spec and/or labels, kept as given (merge documents may contain null).
public struct ResourcePatch: Sendable, Equatable {
    /// Replace or merge.
    public var mode: PatchMode
    /// The `spec` member, if present.
    public var spec: JSONValue?
    /// The `labels` member, if present.
    public var labels: JSONValue?

    /// Creates a patch.
    public init(mode: PatchMode, spec: JSONValue? = nil, labels: JSONValue? = nil) {
        self.mode = mode
        self.spec = spec
        self.labels = labels
    }

    /// New spec and labels, and whether anything really changed (semantic equality). A merge producing
    /// a non-object spec or a label value that is not a valid label string -> APIError 8 naming the field.
    public func apply(spec: [String: JSONValue], labels: [String: String])
        -> Result<(spec: [String: JSONValue], labels: [String: String], changed: Bool), APIError> {
        var newSpec = spec
        var newLabels = labels
        var details: [FieldError] = []

        if let specPatch = self.spec {
            let result = mode == .merge ? JSONValue.object(spec).mergePatched(with: specPatch) : specPatch
            if let members = result.objectValue {
                newSpec = members
            } else {
                details.append(FieldError(field: "spec", error: "the patched spec must be a JSON object, got \(result.typeName)"))
            }
        }

        if let labelsPatch = self.labels {
            let current = JSONValue.object(labels.mapValues { .string($0) })
            // A merge of `"labels": null` removes the member, which reads as "no labels".
            let result = mode == .merge ? current.mergePatched(with: labelsPatch) : labelsPatch
            let merged: JSONValue = result.isNull && mode == .merge ? .object([:]) : result
            let problems = LabelRules.problems(in: merged, field: "labels", allowNullValues: false)
            if problems.isEmpty, let members = merged.objectValue {
                newLabels = members.compactMapValues { $0.stringValue }
            } else {
                details.append(contentsOf: problems)
            }
        }

        if !details.isEmpty { return .failure(RequestValidation.validationError(details)) }
        let changed = newSpec != spec || newLabels != labels
        return .success((spec: newSpec, labels: newLabels, changed: changed))
    }
}
