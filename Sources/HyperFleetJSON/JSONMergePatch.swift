extension JSONValue {
    /// Applies `patch` to this value per RFC 7396 (JSON Merge Patch): objects merge key by key,
    /// `null` removes a key, anything else replaces the target wholesale.
    public func mergePatched(with patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = objectValue ?? [:]
        for (key, patchValue) in patchMembers {
            if patchValue.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = (result[key] ?? .null).mergePatched(with: patchValue)
            }
        }
        return .object(result)
    }
}
