import ArgumentParser
import HyperFleetClient
import HyperFleetJSON
import Yams

/// `-o`: a table (or a description) for people, or the API's JSON, or that JSON as YAML.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
    case yaml
}

/// The resource type argument: `clusters` or `nodepools`, singular or plural.
struct ResourceTypeArgument: ExpressibleByArgument {
    let kind: ResourceKind

    init?(argument: String) {
        switch argument.lowercased() {
        case "cluster", "clusters": kind = .cluster
        case "nodepool", "nodepools", "np": kind = .nodePool
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["clusters", "nodepools"] }
}

enum YAMLRendering {
    /// A JSON value as a YAML document (keys sorted, strings quoted where YAML would read them otherwise).
    static func render(_ value: JSONValue) throws(ClientError) -> String {
        do {
            return try Yams.serialize(node: node(value))
        } catch {
            throw .unexpectedResponse("cannot write YAML: \(error)")
        }
    }

    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .null: return Node("null", Tag(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .int(let number): return Node(String(number), Tag(.int))
        case .double(let number): return Node(String(number), Tag(.float))
        case .string(let text): return .scalar(text.represented())
        case .array(let items): return .sequence(Node.Sequence(items.map(node)))
        case .object(let members):
            return .mapping(Node.Mapping(members.sorted { $0.key < $1.key }.map { (Node.scalar($0.key.represented()), node($0.value)) }))
        }
    }
}

extension CLIContext {
    /// Prints a body as the API returned it (`json`) or as YAML.
    func printDocument(_ document: APIDocument, as format: OutputFormat) throws(ClientError) {
        switch format {
        case .json: output.print(document.text)
        case .yaml: output.print(try YAMLRendering.render(document.value))
        case .table: break
        }
    }
}
