/// Migration 11: room on each page of the resource tables, so that a status report's update of its
/// resource's row is a HOT update (the new row version on the same page, no new index entries) unless
/// an indexed column changes. Full pages (the default fillfactor of 100) made about three updates in
/// four write a new entry in every index of the table, the labels GIN and the phase index with its
/// labels among them; with room, nine in ten or more stayed on their page (benchmarks/README.md, "The
/// write path"). Applies to pages written from now on: rows move to pages with room as they are updated.
extension Schema {
    static let resourceFillfactorV11 = """
        ALTER TABLE clusters SET (fillfactor = 75);
        ALTER TABLE nodepools SET (fillfactor = 75);
        """
}
