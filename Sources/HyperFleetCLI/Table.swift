/// A column of a text table: its header, and what may happen to it when the terminal is narrow.
struct TableColumn: Sendable, Equatable {
    var header: String
    /// Columns shrink (their cells cut with `…`) in increasing `shrinkOrder`; nil never shrinks.
    var shrinkOrder: Int?
    var minimumWidth: Int = 8
    /// Left out altogether when the table does not fit even with every column shrunk.
    var optional = false
    /// Room kept for values longer than the first rows' (a watch fixes widths at its first poll).
    var reservedWidth = 0
}

/// Lays out rows in aligned columns no wider than the terminal, like `kubectl get`.
struct TableLayout: Sendable, Equatable {
    static let gap = 3
    let columns: [TableColumn]
    /// The width of each column; nil for a column left out.
    let widths: [Int?]
    let maxWidth: Int

    /// Widths that fit the rows' cells, narrowed to fit `maxWidth` where the columns allow it: shrinking
    /// first, then leaving out optional columns.
    init(columns: [TableColumn], rows: [[String]], maxWidth: Int) {
        var widths = columns.map { max($0.header.count, $0.reservedWidth) }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var excess = widths.reduce(0, +) + Self.gap * max(0, columns.count - 1) - maxWidth
        let byShrinkOrder = columns.indices.filter { columns[$0].shrinkOrder != nil }.sorted { columns[$0].shrinkOrder! < columns[$1].shrinkOrder! }
        for index in byShrinkOrder where excess > 0 {
            let floor = max(columns[index].minimumWidth, columns[index].header.count)
            let cut = min(excess, max(0, widths[index] - floor))
            widths[index] -= cut
            excess -= cut
        }
        var kept: [Int?] = widths
        for index in byShrinkOrder where excess > 0 && columns[index].optional {
            kept[index] = nil
            excess -= widths[index] + Self.gap
        }
        self.columns = columns
        self.widths = kept
        self.maxWidth = maxWidth
    }

    func header() -> String { line(columns.map(\.header)) }

    /// One row, each cell padded or cut to its column, trailing spaces trimmed. The last column's cells
    /// may use whatever room the terminal has left, so a longer value seen later (in `-w`) is not cut.
    func line(_ cells: [String]) -> String {
        let visible = widths.indices.filter { widths[$0] != nil }
        var text = ""
        for (position, index) in visible.enumerated() {
            let cell = index < cells.count ? cells[index] : ""
            let isLast = position == visible.count - 1
            let width = isLast ? max(widths[index]!, maxWidth - text.count) : widths[index]!
            let fitted = cell.count > width ? String(cell.prefix(max(0, width - 1))) + "…" : cell
            text += fitted
            if !isLast { text += String(repeating: " ", count: width - fitted.count + Self.gap) }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    func render(_ rows: [[String]]) -> String {
        ([header()] + rows.map(line)).joined(separator: "\n")
    }
}
