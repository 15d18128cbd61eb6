import HyperFleetTestSupport
import Testing
import TSL

@Suite struct FuzzTests {
    /// Pieces of the TSL alphabet, including fragments that are only valid in some positions.
    static let pieces = [
        "name", "generation", "created_time", "ready", "spec.kind", "labels.", "labels.env", "labels.a/b",
        "status.conditions.", "status.conditions.Ready", "=", "!=", "<>", "<", "<=", ">", ">=", "!", "'", "''",
        "'True'", "'x'", "'2024-01-01T00:00:00Z'", "(", ")", ",", " ", "  ", "\n", "and", "or", "not", "like",
        "ilike", "in", "between", "is", "null", "true", "false", "1", "-", "-5", "1.5", ".", "/", "_", "%",
        "x", "é", "\u{0}", "\u{301}", "🙂", "\r\n", ";", "$1", "\\",
    ]

    /// Checks the injection invariant: SQL holds no quote except the fixed 'type'/'status' keys,
    /// and placeholders are numbered consecutively, one per binding.
    static func checkFragment(_ fragment: SQLFragment, input: String) {
        let withoutFixedKeys = fragment.sql.replacing("'type'", with: "").replacing("'status'", with: "")
        #expect(!withoutFixedKeys.contains("'"), "quote in SQL for input: \(input.debugDescription)")
        let numbers = fragment.sql.split(separator: "$").dropFirst().map { Int($0.prefix(while: \.isNumber)) }
        #expect(numbers == (0..<fragment.bindings.count).map { Optional($0 + 1) }, "placeholders for input: \(input.debugDescription)")
    }

    static let fields = ["name", "generation", "created_time", "ready", "spec.kind", "labels.env", "labels.'a.b/c'",
                         "labels.x-y", "status.conditions.Ready", "unknown"]
    static let values = ["'x'", "'it''s'", "1", "-2", "1.5", "true", "'True'", "'Unknown'", "'2024-01-01T00:00:00Z'", "'%a_'"]
    static let operators = ["=", "!=", "<>", "<", "<=", ">", ">=", "like", "not ilike"]

    /// A random expression from the grammar (may still be ill-typed).
    static func expression(depth: Int, using generator: inout SeededGenerator) -> String {
        let field = fields.randomElement(using: &generator)!
        let value = { (g: inout SeededGenerator) in values.randomElement(using: &g)! }
        switch Int.random(in: 0...(depth > 3 ? 4 : 8), using: &generator) {
        case 0, 1: return "\(field) \(operators.randomElement(using: &generator)!) \(value(&generator))"
        case 2: return "\(field) \(Bool.random(using: &generator) ? "not " : "")in (\(value(&generator)), \(value(&generator)))"
        case 3: return "\(field) between \(value(&generator)) and \(value(&generator))"
        case 4: return "\(field) is \(Bool.random(using: &generator) ? "not " : "")null"
        case 5: return "not " + expression(depth: depth + 1, using: &generator)
        case 6: return "(" + expression(depth: depth + 1, using: &generator) + ")"
        default:
            let joiner = Bool.random(using: &generator) ? " and " : " OR "
            return expression(depth: depth + 1, using: &generator) + joiner + expression(depth: depth + 1, using: &generator)
        }
    }

    /// Inserts, deletes or replaces a few pieces so most inputs are near-misses of valid ones.
    static func mutate(_ text: String, using generator: inout SeededGenerator) -> String {
        var characters = Array(text)
        for _ in 0..<Int.random(in: 0...3, using: &generator) {
            let index = Int.random(in: 0...characters.count, using: &generator)
            switch Int.random(in: 0...2, using: &generator) {
            case 0: characters.insert(contentsOf: pieces.randomElement(using: &generator)!, at: index)
            case 1 where index < characters.count: characters.remove(at: index)
            default: characters.insert(contentsOf: " " + pieces.randomElement(using: &generator)! + " ", at: index)
            }
        }
        return String(characters)
    }

    @Test func randomExpressionsNeverCrash() {
        var generator = SeededGenerator(seed: 0x75_6C_5F_66_75_7A_7A)
        var parsed = 0, compiled = 0, rejected = 0
        for _ in 0..<2000 {
            var input = Self.expression(depth: 0, using: &generator)
            if Bool.random(using: &generator) { input = Self.mutate(input, using: &generator) }
            guard let expression = try? TSL.parse(input) else { rejected += 1; continue }
            parsed += 1
            if let fragment = try? TSL.translate(expression, catalog: Fixtures.catalog, firstPlaceholder: 1) {
                compiled += 1
                Self.checkFragment(fragment, input: input)
            }
        }
        // Guards against a generator that only produces garbage or only valid input.
        #expect(parsed > 200)
        #expect(compiled > 50)
        #expect(rejected > 200)
    }

    @Test func randomPieceSequencesNeverCrash() {
        var generator = SeededGenerator(seed: 7)
        var errors = 0
        for _ in 0..<2000 {
            let length = Int.random(in: 0...24, using: &generator)
            let separator = Bool.random(using: &generator) ? " " : ""
            let input = (0..<length).map { _ in Self.pieces.randomElement(using: &generator)! }.joined(separator: separator)
            do {
                Self.checkFragment(try TSL.compile(input, catalog: Fixtures.catalog, firstPlaceholder: 1), input: input)
            } catch {
                errors += 1
                #expect(!error.message.isEmpty)
            }
        }
        #expect(errors > 1000)
    }

    @Test func randomCharactersNeverCrash() {
        var generator = SeededGenerator(seed: 42)
        let alphabet = Array("abcnot()'=!<>-0123456789., _/%\tlabels") + ["é", "\u{0}", "🙂", "\u{301}"]
        var errors = 0
        for _ in 0..<2000 {
            let length = Int.random(in: 0...40, using: &generator)
            let input = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            do {
                let fragment = try TSL.compile(input, catalog: Fixtures.catalog, firstPlaceholder: 1)
                Self.checkFragment(fragment, input: input)
            } catch {
                errors += 1
                #expect(!error.message.isEmpty)
                if let position = error.position {
                    #expect(position >= 1 && position <= input.count + 1, "position \(position) for \(input.debugDescription)")
                }
            }
        }
        #expect(errors > 0)
    }
}
