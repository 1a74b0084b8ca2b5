import TCPDoctorCore

/// The recent past as serve saw it: one compact point per snapshot, the last `capacity` kept.
///
/// In memory, for the page at `/` when serve has no history database (`HistoryTimeline` reads
/// the points from one when it has). Bounded whatever the host: a fixed number of points, and per point the top
/// `groupsPerPoint` process groups by sockets, the rest summed into `other`. A value type, kept
/// inside the cache's state and guarded by its mutex.
public struct ServeTimeline: Sendable {
    /// What one process group (a command, or one process with pid labels) held at one point.
    public struct Group: Sendable, Hashable {
        /// The kernel's command name (never the command line); empty for `other`.
        public var command: String
        /// The pid, with pid labels only.
        public var pid: Int32?
        /// Processes in the group.
        public var processes: Int
        /// Sockets held, each counted once per group.
        public var total: Int
        /// Sockets per state, in the order of `TCPState.displayed`.
        public var states: [UInt32]
        /// Open file descriptors of the group's processes, summed.
        public var openFDs: Int
        /// The lowest RLIMIT_NOFILE soft limit of the group's processes; nil when unlimited or unknown.
        public var fdSoftLimit: UInt64?
    }

    /// One snapshot, or one failure to take it.
    public struct Point: Sendable, Hashable {
        /// Wall-clock seconds since the Unix epoch: when the snapshot was taken.
        public var time: Double
        /// False when the system could not be read: a gap, with no counts.
        public var ok: Bool
        /// Every socket of the host, per state in the order of `TCPState.displayed`.
        public var states: [UInt32]
        /// The top groups by sockets, heaviest first.
        public var groups: [Group]
        /// The groups past the top, summed; nil when none was folded.
        public var other: Group?
        /// How many groups `other` sums.
        public var otherGroups: Int

        /// Sockets of the host.
        public var total: Int { states.reduce(0) { $0 + Int($1) } }
    }

    /// Points kept; the oldest is dropped past it.
    public let capacity: Int
    /// Process groups kept per point before the rest is summed.
    public let groupsPerPoint: Int
    /// The points, oldest first until the ring is full; then `start` is the oldest.
    private var ring: [Point] = []
    private var start = 0

    /// - Parameters:
    ///   - capacity: Points kept (720 is an hour at serve's default 5 s).
    ///   - groupsPerPoint: Process groups kept per point.
    public init(capacity: Int = 720, groupsPerPoint: Int = 10) {
        self.capacity = max(1, capacity)
        self.groupsPerPoint = max(0, groupsPerPoint)
        ring.reserveCapacity(self.capacity)
    }

    /// Adds a point, dropping the oldest when the ring is full.
    public mutating func append(_ point: Point) {
        if ring.count < capacity {
            ring.append(point)
        } else {
            ring[start] = point
            start = (start + 1) % capacity
        }
    }

    /// The points kept, oldest first.
    public var points: [Point] { Array(ring[start...] + ring[..<start]) }

    /// The points taken after `time`, oldest first.
    public func points(after time: Double) -> [Point] { points.filter { $0.time > time } }

    /// The point of one snapshot: host totals per state and the top process groups.
    ///
    /// - Parameters:
    ///   - snapshot: The snapshot.
    ///   - groupsPerPoint: Process groups kept before the rest is summed into `other`.
    ///   - pidLabels: Whether groups are per process, as the metrics' `--pid-labels`.
    public static func point(_ snapshot: Snapshot, groupsPerPoint: Int, pidLabels: Bool) -> Point {
        var host = Array(repeating: UInt32(0), count: TCPState.rawValueSlots)
        for socket in snapshot.sockets {
            // Request sockets are SYN_RECV, as `states --json` counts them.
            let state = socket.state == .newSynReceived ? TCPState.synReceived : socket.state
            host[Int(state.rawValue)] &+= 1
        }
        return point(
            time: snapshot.takenAt,
            host: host,
            SnapshotMetrics.processTallies(snapshot, pidLabels: pidLabels),
            groupsPerPoint: groupsPerPoint
        )
    }

    /// The point of host counts by raw state value and the process groups' tallies: the top
    /// `groupsPerPoint` groups, the rest summed into `other`.
    static func point(
        time: Double,
        host: [UInt32],
        _ entries: [SnapshotMetrics.ProcessEntry],
        groupsPerPoint: Int
    ) -> Point {
        let split = SnapshotMetrics.rankProcessTallies(entries, limit: max(0, groupsPerPoint))
        var other: Group?
        if !split.folded.isEmpty {
            var sum = SnapshotMetrics.ProcessTally()
            for entry in split.folded { sum.add(entry.tally) }
            other = Self.group(SnapshotMetrics.ProcessGroup(command: "", pid: nil), sum)
        }
        return Point(
            // To the millisecond, as the document writes it: a `since` copied from a point's
            // `time` then excludes that very point.
            time: (time * 1000).rounded() / 1000,
            ok: true,
            states: Self.displayed(host),
            groups: split.kept.map { Self.group($0.group, $0.tally) },
            other: other,
            otherGroups: split.folded.count
        )
    }

    /// The point of a refresh that could not read the system.
    public static func failure(at time: Double) -> Point {
        Point(time: (time * 1000).rounded() / 1000, ok: false, states: [], groups: [], other: nil, otherGroups: 0)
    }

    private static func group(_ group: SnapshotMetrics.ProcessGroup, _ tally: SnapshotMetrics.ProcessTally) -> Group {
        Group(
            command: group.command,
            pid: group.pid,
            processes: tally.instances,
            total: tally.total,
            states: displayed(tally.states.map { UInt32(clamping: $0) }),
            openFDs: tally.openFDs,
            fdSoftLimit: tally.lowestLimit
        )
    }

    /// Counts by raw value narrowed to the displayed states, in their order.
    private static func displayed(_ byRawValue: [UInt32]) -> [UInt32] {
        TCPState.displayed.map { byRawValue[Int($0.rawValue)] }
    }
}
