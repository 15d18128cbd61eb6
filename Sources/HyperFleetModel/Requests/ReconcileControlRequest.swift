import HyperFleetJSON

/// An operator's order about one resource (OPERATIONS.md, "Reconcile controls"); the raw value is
/// the last segment of its path.
public enum ReconcileControl: String, Sendable, CaseIterable {
    /// Publish at once (one more `request_seq`).
    case reconcile
    /// Make no new decision until resume.
    case pause
    /// Decide as usual again.
    case resume
}

/// The optional body of `POST .../reconcile`, `.../pause` and `.../resume`: `{"reason": "..."}`.
public struct ReconcileControlRequest: Sendable, Equatable {
    /// The operator's free text, kept in the history; nil when not given.
    public var reason: String?

    public static let maximumReasonLength = 256

    public init(reason: String? = nil) {
        self.reason = reason
    }
}

extension RequestValidation {
    /// A control request's body: empty, or an object with at most `reason` (a string of at most 256
    /// characters, or null). Unknown or read-only fields -> 400 naming them, as on the other writes.
    public static func reconcileControl(_ body: [UInt8]) -> Result<ReconcileControlRequest, APIError> {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .success(ReconcileControlRequest()) }
        let members: [String: JSONValue]
        switch parseObject(body) {
        case .success(let parsed): members = parsed
        case .failure(let error): return .failure(error)
        }
        let fieldProblems = disallowedFields(in: members, allowed: ["reason"])
        if !fieldProblems.isEmpty { return .failure(validationError(fieldProblems)) }
        guard let value = present(members["reason"]) else { return .success(ReconcileControlRequest()) }
        guard let reason = value.stringValue else {
            return .failure(validationError([FieldError(field: "reason", error: "must be a string, got \(value.typeName)")]))
        }
        if reason.count > ReconcileControlRequest.maximumReasonLength {
            return .failure(validationError([
                FieldError(field: "reason", error: "must be at most \(ReconcileControlRequest.maximumReasonLength) characters, got \(reason.count)")
            ]))
        }
        return .success(ReconcileControlRequest(reason: reason.isEmpty ? nil : reason))
    }
}
