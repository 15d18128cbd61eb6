/// Entry points for TSL (Tree Search Language), the `search` query parameter language.
public enum TSL {
    /// Parses `text` into a syntax tree without consulting any catalog.
    public static func parse(_ text: String) throws(TSLError) -> TSLExpression {
        try TSLParser.parse(text)
    }

    /// Parses, type-checks against the catalog and translates. Placeholders start at $firstPlaceholder.
    public static func compile(_ text: String, catalog: TSLCatalog, firstPlaceholder: Int) throws(TSLError) -> SQLFragment {
        try translate(parse(text), catalog: catalog, firstPlaceholder: firstPlaceholder)
    }

    /// Type-checks and translates an already parsed expression.
    public static func translate(_ expression: TSLExpression, catalog: TSLCatalog, firstPlaceholder: Int) throws(TSLError) -> SQLFragment {
        var translator = TSLTranslator(catalog: catalog, firstPlaceholder: firstPlaceholder)
        let sql = try translator.translate(expression)
        return SQLFragment(sql: sql, bindings: translator.bindings)
    }
}
