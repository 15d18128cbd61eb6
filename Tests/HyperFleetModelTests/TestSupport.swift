@testable import HyperFleetModel

/// The error of a failed result, or nil on success.
func failure<Value>(_ result: Result<Value, APIError>) -> APIError? {
    if case .failure(let error) = result { return error }
    return nil
}

/// The value of a successful result, or nil on failure.
func success<Value>(_ result: Result<Value, APIError>) -> Value? {
    if case .success(let value) = result { return value }
    return nil
}

/// UTF-8 bytes of a string literal body.
func body(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// A timestamp `seconds` after 2026-11-25T10:00:00Z.
func at(_ seconds: Double) -> Timestamp {
    Timestamp(microsecondsSinceEpoch: 1_795_600_800_000_000).adding(seconds: seconds)
}
