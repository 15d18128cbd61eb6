@testable import HyperFleetCLI
import Testing

@Suite("TableLayout")
struct TableLayoutTests {
    let columns = [
        TableColumn(header: "NAME", shrinkOrder: 1, minimumWidth: 6), TableColumn(header: "PHASE", shrinkOrder: nil),
        TableColumn(header: "LABELS", shrinkOrder: 0, minimumWidth: 6, optional: true),
    ]

    @Test("wide enough: cells padded and aligned, trailing spaces trimmed")
    func natural() {
        let rows = [["demo", "Ready", "env=prod"], ["x", "NotReady", ""]]
        let text = TableLayout(columns: columns, rows: rows, maxWidth: 120).render(rows)
        #expect(text == "NAME   PHASE      LABELS\ndemo   Ready      env=prod\nx      NotReady")
    }

    @Test("narrow: LABELS shrinks first, then NAME, each cut with an ellipsis, no line longer than the width")
    func narrow() {
        let rows = [["a-very-long-cluster-name", "Ready", "env=prod,team=platform,tier=gold"]]
        let layout = TableLayout(columns: columns, rows: rows, maxWidth: 40)
        #expect(layout.widths == [23, 5, 6])
        #expect(TableLayout(columns: columns, rows: rows, maxWidth: 120).line(rows[0]).hasSuffix("tier=gold"))
        let lines = layout.render(rows).split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 40 })
        #expect(lines[1] == "a-very-long-cluster-na…   Ready   env=p…")
    }

    @Test("too narrow even shrunk: the optional column is left out")
    func dropped() {
        let rows = [["a-very-long-cluster-name", "NotReady", "env=prod"]]
        let layout = TableLayout(columns: columns, rows: rows, maxWidth: 20)
        #expect(layout.widths == [6, 8, nil])
        #expect(layout.render(rows) == "NAME     PHASE\na-ver…   NotReady")
    }

    @Test("a reserved width keeps room for longer values later: a watch's NotReady after Ready is not cut")
    func reserved() {
        let phase = [TableColumn(header: "PHASE", shrinkOrder: nil, reservedWidth: 8), TableColumn(header: "AGE", shrinkOrder: nil)]
        let layout = TableLayout(columns: phase, rows: [["Ready", "1s"]], maxWidth: 120)
        #expect(layout.widths == [8, 3])
        #expect(layout.line(["NotReady", "5s"]) == "NotReady   5s")
    }

    @Test("age: seconds, minutes, hours, days")
    func age() {
        #expect(ResourceRows.duration(59) == "59s")
        #expect(ResourceRows.duration(600) == "10m")
        #expect(ResourceRows.duration(3 * 3600) == "3h")
        #expect(ResourceRows.duration(5 * 86400) == "5d")
    }
}
