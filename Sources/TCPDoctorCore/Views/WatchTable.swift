/// One frame of `tcpdoctor watch`: a row per group with its counts per state, how its total moved
/// since the previous frame and since the view began, and, for processes, fd use against the
/// soft limit.
///
/// The grouping itself is `StateHistogram`'s, so `watch` and `states` never disagree on which
/// socket belongs where. A frame is a pure value built from a histogram, the snapshot it came
/// from and what the previous frames left (`WatchCounts`); `WatchHistory` keeps those between
/// frames.
public struct WatchTable: Hashable, Sendable {
    /// A column of the table, which is also what a table can be sorted by.
    public enum Column: Hashable, Sendable {
        /// The group's label, sorted A to Z.
        case group
        /// The sockets of the group in one state.
        case state(TCPState)
        /// Every socket of the group.
        case total
        /// The change of the total since the previous frame.
        case sinceLast
        /// The change of the total since the view began.
        case sinceStart
        /// Open fds against the soft limit (process groups only).
        case fdUse

        /// A short heading, as the table prints it.
        public var title: String {
            switch self {
            case .group: "Group"
            case .state(let state): state.netstatName
            case .total: "Total"
            case .sinceLast: "+Last"
            case .sinceStart: "+Start"
            case .fdUse: "FD use"
            }
        }

        /// A stable name for `--json` and `--sort`-like settings: `total`, `close-wait`, `fd-use`.
        public var name: String {
            switch self {
            case .group: "group"
            case .state(let state): state.ssName
            case .total: "total"
            case .sinceLast: "since-last"
            case .sinceStart: "since-start"
            case .fdUse: "fd-use"
            }
        }
    }

    /// A process's open fds against its RLIMIT_NOFILE soft limit.
    public struct FDUse: Hashable, Sendable {
        public var pid: Int32
        /// Entries of `/proc/PID/fd`.
        public var open: Int
        /// The soft limit; nil when unlimited or unreadable.
        public var softLimit: UInt64?

        public init(pid: Int32, open: Int, softLimit: UInt64?) {
            self.pid = pid
            self.open = open
            self.softLimit = softLimit
        }

        /// `open / softLimit`; nil without a limit (a ratio to "unlimited" would claim a margin
        /// nobody measured).
        public var ratio: Double? {
            guard let softLimit, softLimit > 0 else { return nil }
            return Double(open) / Double(softLimit)
        }
    }

    /// One group of the frame.
    public struct Row: Hashable, Sendable {
        /// What identifies the group from frame to frame (`WatchCounts.key(of:in:)`).
        public var key: String
        /// The group's label and counts, as `StateHistogram` made them.
        public var group: StateHistogram.Group
        /// The change of `group.total` since the previous frame; nil on the first frame.
        public var sinceLast: Int?
        /// The change of `group.total` since the first frame; a group absent then started at 0.
        public var sinceStart: Int
        /// For process groups whose process was read.
        public var fds: FDUse?
    }

    public var grouping: StateHistogram.Grouping
    public var sort: Column
    /// The rows, in `sort` order (largest first, or A to Z for `.group`; ties by label).
    public var rows: [Row]
    /// Counts per state over every socket shown (a socket held by two processes counts once).
    public var counts: [TCPState: Int]
    public var total: Int
    /// The change of `total` since the previous frame; nil on the first frame.
    public var totalSinceLast: Int?
    /// The change of `total` since the first frame.
    public var totalSinceStart: Int
    /// The states that occur in this frame, in netstat's order: the state columns to show.
    public var states: [TCPState]
    /// The process nearest its fd limit, among the rows' processes; nil when no row has a ratio.
    public var worstFDUse: FDUse?
    /// When this frame's snapshot was taken (seconds since the Unix epoch).
    public var takenAt: Double
    /// When the first frame of this view was taken (seconds since the Unix epoch).
    public var startedAt: Double

    /// Builds a frame.
    ///
    /// - Parameters:
    ///   - histogram: The sockets shown, grouped by `grouping`.
    ///   - snapshot: The snapshot the histogram counts, for the processes' fd counts and limits.
    ///   - sort: The column to sort by; a state that no longer occurs still sorts (as zeros).
    ///   - previous: What the previous frame counted; nil for the first frame.
    ///   - start: What the first frame counted; nil when this is the first frame.
    public init(
        histogram: StateHistogram,
        snapshot: Snapshot,
        grouping: StateHistogram.Grouping,
        sort: Column = .total,
        previous: WatchCounts? = nil,
        start: WatchCounts? = nil
    ) {
        self.grouping = grouping
        self.sort = sort
        self.counts = histogram.counts
        self.total = histogram.total
        self.totalSinceLast = previous.map { histogram.total - $0.total }
        self.totalSinceStart = histogram.total - (start?.total ?? histogram.total)
        self.states = TCPState.displayed.filter { (histogram.counts[$0] ?? 0) > 0 }
        self.takenAt = snapshot.takenAt
        self.startedAt = start?.takenAt ?? snapshot.takenAt
        var rows: [Row] = []
        rows.reserveCapacity(histogram.groups.count)
        for group in histogram.groups {
            let key = WatchCounts.key(of: group, in: snapshot)
            let fds = group.pid.flatMap { pid in
                snapshot.processes[pid].map { FDUse(pid: pid, open: $0.openFiles, softLimit: $0.fileLimitSoft) }
            }
            rows.append(
                Row(
                    key: key,
                    group: group,
                    sinceLast: previous.map { group.total - ($0.groups[key] ?? 0) },
                    // Without a start, this is the first frame: nothing has changed yet.
                    sinceStart: start.map { group.total - ($0.groups[key] ?? 0) } ?? 0,
                    fds: fds
                )
            )
        }
        self.rows = Self.sorted(rows, by: sort)
        self.worstFDUse =
            rows.compactMap(\.fds).filter { $0.ratio != nil }.max { ($0.ratio ?? 0, $1.pid) < ($1.ratio ?? 0, $0.pid) }
    }

    /// What this frame counted, for the next frame's changes.
    public var remembered: WatchCounts {
        WatchCounts(
            takenAt: takenAt,
            total: total,
            groups: Dictionary(rows.map { ($0.key, $0.group.total) }, uniquingKeysWith: +)
        )
    }

    /// The same frame sorted by `column` (a key pressed between two refreshes).
    public func sorted(by column: Column) -> WatchTable {
        var table = self
        table.sort = column
        table.rows = Self.sorted(rows, by: column)
        return table
    }

    /// The columns in the order they are shown, which is also the order `s`, `<` and `>` step
    /// through: the group, the states that occur, the total, the changes, and fd use for
    /// processes.
    public var columns: [Column] {
        [.group] + states.map { .state($0) } + [.total, .sinceLast, .sinceStart]
            + (grouping == .process ? [.fdUse] : [])
    }

    /// The column `steps` places after `sort` in `columns` (negative: before), wrapping around.
    ///
    /// A sort column no longer shown (its state emptied) steps from `.total`.
    public func column(after sort: Column, steps: Int) -> Column {
        let columns = self.columns
        let here = columns.firstIndex(of: sort) ?? columns.firstIndex(of: .total) ?? 0
        let count = columns.count
        return columns[((here + steps) % count + count) % count]
    }

    /// `rows` in the order of `column`: largest first, A to Z for `.group`, ties by label.
    static func sorted(_ rows: [Row], by column: Column) -> [Row] {
        if column == .group { return rows.sorted { $0.group.label < $1.group.label } }
        return rows.sorted { left, right in
            let (a, b) = (value(left, column), value(right, column))
            return a != b ? a > b : left.group.label < right.group.label
        }
    }

    /// A row's value in a numeric column; a missing ratio or change sorts below every value.
    static func value(_ row: Row, _ column: Column) -> Double {
        switch column {
        case .group: 0
        case .state(let state): Double(row.group.counts[state] ?? 0)
        case .total: Double(row.group.total)
        case .sinceLast: row.sinceLast.map(Double.init) ?? -.infinity
        case .sinceStart: Double(row.sinceStart)
        case .fdUse: row.fds?.ratio ?? -.infinity
        }
    }
}

/// What one frame counted: its total and each group's, by `WatchCounts.key(of:in:)`.
public struct WatchCounts: Hashable, Sendable {
    /// When the frame's snapshot was taken (seconds since the Unix epoch).
    public var takenAt: Double
    public var total: Int
    public var groups: [String: Int]

    public init(takenAt: Double, total: Int, groups: [String: Int]) {
        self.takenAt = takenAt
        self.total = total
        self.groups = groups
    }

    /// A group's identity across frames: the label, and for a process also its start time, so
    /// that a pid reused by another process (even of the same program) is another group.
    public static func key(of group: StateHistogram.Group, in snapshot: Snapshot) -> String {
        guard let pid = group.pid, let started = snapshot.processes[pid]?.startTime else { return group.label }
        return "\(group.label)@\(started)"
    }
}
