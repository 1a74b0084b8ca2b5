/// What `watch` remembers between frames: the first and the previous frame's counts of the view
/// on screen, so that each new frame can say what changed.
///
/// A view is a grouping and a filter. Changing either starts a new view whose "since start" begins
/// at its first frame (`WatchTable.startedAt` says when): the counts of a grouping that was not on
/// screen were never taken, and a change made up from them would report what nobody measured.
public struct WatchHistory: Hashable, Sendable {
    /// The view the remembered counts belong to.
    public private(set) var grouping: StateHistogram.Grouping
    /// The filter's text, as it identifies the view.
    public private(set) var filter: String
    /// The first frame of the view; nil before it.
    public private(set) var start: WatchCounts?
    /// The latest frame of the view; nil before the first.
    public private(set) var previous: WatchCounts?

    public init(grouping: StateHistogram.Grouping, filter: String = "") {
        self.grouping = grouping
        self.filter = filter
    }

    /// The next frame of the view, remembered for the one after.
    ///
    /// - Parameters:
    ///   - histogram: The sockets shown, grouped by `grouping`.
    ///   - snapshot: The snapshot they come from.
    ///   - grouping: The grouping on screen; a different one than before starts a new view.
    ///   - filter: The filter's text; a different one than before starts a new view.
    ///   - sort: The column to sort by.
    public mutating func frame(
        _ histogram: StateHistogram,
        in snapshot: Snapshot,
        grouping: StateHistogram.Grouping,
        filter: String,
        sort: WatchTable.Column
    ) -> WatchTable {
        if grouping != self.grouping || filter != self.filter {
            self = WatchHistory(grouping: grouping, filter: filter)
        }
        let table = WatchTable(
            histogram: histogram,
            snapshot: snapshot,
            grouping: grouping,
            sort: sort,
            previous: previous,
            start: start
        )
        let counts = table.remembered
        if start == nil { start = counts }
        previous = counts
        return table
    }
}
