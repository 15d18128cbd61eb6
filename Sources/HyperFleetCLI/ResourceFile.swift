import Foundation
import HyperFleetClient
import HyperFleetJSON
import Yams

/// A resource document from `create -f`: JSON, or YAML (read into the same JSON value).
enum ResourceFile {
    /// Reads a file (`-` is standard input) holding one JSON or YAML document.
    static func load(_ path: String) throws(ClientError) -> JSONValue {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else { throw .invalidInput("-f: cannot read '\(path)'") }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .invalidInput("-f \(path): not UTF-8 text") }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws(ClientError) -> JSONValue {
        if text.drop(while: \.isWhitespace).first == "{" {
            do throws(JSONParseError) {
                return try JSONValue.parse(text)
            } catch {
                throw .invalidInput("-f \(source): not valid JSON: \(error.message) at byte \(error.offset)")
            }
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .invalidInput("-f \(source): not valid YAML: \(error)")
        }
        guard let node else { throw .invalidInput("-f \(source): the file is empty") }
        return try json(node, source: source)
    }

    /// YAML scalars keep the type YAML gives them (a quoted "1" stays a string); keys must be strings.
    static func json(_ node: Node, source: String) throws(ClientError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: if let flag = node.bool { return .bool(flag) }
            case .int: if let number = node.int { return .int(Int64(number)) }
            case .float: if let number = node.float { return .double(number) }
            default: break
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try json(item, source: source)) }
            return .array(items)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else { throw .invalidInput("-f \(source): a mapping key is not a string") }
                members[keyScalar.string] = try json(value, source: source)
            }
            return .object(members)
        case .alias:
            throw .invalidInput("-f \(source): YAML aliases are not supported")
        }
    }
}
