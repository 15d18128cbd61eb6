/// PostgreSQL array literals for binding lists as one text parameter (`$1::text[]`), so a batch is
/// one statement whatever its size. Every element is quoted and escaped; nil is NULL.
enum SQLArray {
    static func literal(_ values: [String?]) -> String {
        "{" + values.map { value in
            guard let value else { return "NULL" }
            var escaped = "\""
            for character in value {
                if character == "\"" || character == "\\" { escaped.append("\\") }
                escaped.append(character)
            }
            return escaped + "\""
        }.joined(separator: ",") + "}"
    }

    static func literal(_ values: [String]) -> String { literal(values.map(Optional.some)) }
}
