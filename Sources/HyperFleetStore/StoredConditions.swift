import HyperFleetJSON
import HyperFleetModel

/// Condition arrays as stored (`jsonb` text written by the store itself), read with the project's JSON
/// parser. Each report reads the resource's conditions and every adapter's: through Foundation's
/// `JSONDecoder` that was the largest part of a report's CPU in the API (benchmarks/README.md, "The write
/// path"). Field rules are those of the types' `Codable` conformance: optional text may be absent or null.
enum StoredConditions {
    static func adapter(_ text: String, column: String) throws -> [AdapterCondition] {
        try items(text, column).map { item in
            AdapterCondition(
                type: try string(item, "type", column), status: try status(item, column),
                reason: try optionalString(item, "reason", column), message: try optionalString(item, "message", column),
                lastTransitionTime: try time(item, "last_transition_time", column))
        }
    }

    static func resource(_ text: String, column: String) throws -> [ResourceCondition] {
        try items(text, column).map { item in
            ResourceCondition(
                type: try string(item, "type", column), status: try status(item, column),
                reason: try optionalString(item, "reason", column), message: try optionalString(item, "message", column),
                lastTransitionTime: try time(item, "last_transition_time", column),
                observedGeneration: try integer(item, "observed_generation", column),
                createdTime: try time(item, "created_time", column), lastUpdatedTime: try time(item, "last_updated_time", column))
        }
    }

    private static func items(_ text: String, _ column: String) throws -> [[String: JSONValue]] {
        guard let array = (try? JSONValue.parse(Array(text.utf8)))?.arrayValue else { throw StoreError.corrupt(column) }
        return try array.map { value in
            guard let object = value.objectValue else { throw StoreError.corrupt(column) }
            return object
        }
    }

    private static func string(_ item: [String: JSONValue], _ key: String, _ column: String) throws -> String {
        guard let text = item[key]?.stringValue else { throw StoreError.corrupt(column) }
        return text
    }

    private static func optionalString(_ item: [String: JSONValue], _ key: String, _ column: String) throws -> String? {
        guard let value = item[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw StoreError.corrupt(column) }
        return text
    }

    private static func status(_ item: [String: JSONValue], _ column: String) throws -> ConditionStatus {
        guard let status = ConditionStatus(rawValue: try string(item, "status", column)) else { throw StoreError.corrupt(column) }
        return status
    }

    private static func time(_ item: [String: JSONValue], _ key: String, _ column: String) throws -> Timestamp {
        guard let time = Timestamp.parsePostgres(try string(item, key, column)) else { throw StoreError.corrupt(column) }
        return time
    }

    private static func integer(_ item: [String: JSONValue], _ key: String, _ column: String) throws -> Int64 {
        guard let number = item[key]?.exactIntegerValue else { throw StoreError.corrupt(column) }
        return number
    }
}
