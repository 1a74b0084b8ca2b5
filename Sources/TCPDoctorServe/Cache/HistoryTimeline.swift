import Dispatch
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorSystem

/// The page's timeline read from a history database (written by `record`, or by serve itself
/// with `--record`), in the points of `ServeTimeline`: the chart then reaches back past serve's
/// start and is the same whoever draws it.
///
/// Each answer reads the samples as taken (the finest level) after the point asked for, or over
/// the last `window` seconds: host totals from the namespaces' rows, process groups summed
/// over their places, grouped and folded into `other` as the metrics are. A socket shared by two
/// processes of one command counts once per holder here (the history counts per process),
/// once in the memory timeline.
///
/// `@unchecked Sendable`: the reader is opened and used on `queue` only.
public final class HistoryTimeline: @unchecked Sendable {
    /// The database file.
    public let path: String
    /// Seconds of history the first answer covers.
    public let window: Double
    /// The most points one answer holds (the newest are kept).
    public let capacity: Int
    public let groupsPerPoint: Int
    public let pidLabels: Bool
    private let queue = DispatchQueue(label: "tcpdoctor.serve.history")
    private var reader: HistoryReader?

    public init(path: String, window: Double = 3600, capacity: Int = 720, groupsPerPoint: Int = 10, pidLabels: Bool) {
        (self.path, self.window, self.capacity) = (path, window, capacity)
        (self.groupsPerPoint, self.pidLabels) = (groupsPerPoint, pidLabels)
    }

    /// The points after `since` (the last `window` seconds for nil), oldest first, read on the
    /// timeline's own queue (never on the pool that answers requests).
    public func points(after since: Double?) async -> Result<[ServeTimeline.Point], HistoryError> {
        await withCheckedContinuation { continuation in
            queue.async {
                let now = systemWallClockSeconds()
                continuation.resume(
                    returning: Result { () throws(HistoryError) in
                        try self.read(after: since ?? now - self.window, through: now + 1)
                    }
                )
            }
        }
    }

    private func read(after since: Double, through until: Double) throws(HistoryError) -> [ServeTimeline.Point] {
        // Opened on first use and kept: the database may be created after serve starts (a
        // `record` started later), and a failed read drops the reader so that the next retries.
        let reader: HistoryReader
        if let open = self.reader {
            reader = open
        } else {
            reader = try HistoryReader(path: path)
            self.reader = reader
        }
        do {
            return try Self.points(
                reader,
                after: since,
                through: until,
                capacity: capacity,
                groupsPerPoint: groupsPerPoint,
                pidLabels: pidLabels
            )
        } catch {
            self.reader = nil
            throw error
        }
    }

    /// The timeline's points of the samples after `since` through `until`, at most `capacity`
    /// (the newest).
    static func points(
        _ reader: HistoryReader,
        after since: Double,
        through until: Double,
        capacity: Int,
        groupsPerPoint: Int,
        pidLabels: Bool
    ) throws(HistoryError) -> [ServeTimeline.Point] {
        let hosts = Array(try reader.hostPoints(after: since, through: until).suffix(max(1, capacity)))
        guard let first = hosts.first else { return [] }
        var slot: [Double: Int] = [:]
        for (index, host) in hosts.enumerated() { slot[host.time] = index }
        var tallies = Array(
            repeating: [SnapshotMetrics.ProcessGroup: SnapshotMetrics.ProcessTally](),
            count: hosts.count
        )
        // A process's fds are counted once per sample, whatever the number of its places.
        var counted = Array(repeating: Set<HistoryProcess>(), count: hosts.count)
        for series in try reader.series(since: first.time, until: until, matching: { $0.process != nil }) {
            guard let process = series.group.process else { continue }
            let group = SnapshotMetrics.ProcessGroup(command: process.command, pid: pidLabels ? process.pid : nil)
            for point in series.points where point.resolution == 0 && point.counts.total > 0 {
                guard let index = slot[point.time] else { continue }
                var tally = tallies[index][group] ?? SnapshotMetrics.ProcessTally()
                for (column, state) in StateCounts.states.enumerated() {
                    tally.states[Int(state.rawValue)] += Int(point.counts.values[column])
                }
                tally.total += Int(point.counts.total)
                if counted[index].insert(process).inserted {
                    tally.instances += 1
                    tally.openFDs += Int(point.fds ?? 0)
                    if let limit = point.fdSoftLimit.map({ UInt64(clamping: $0) }) {
                        tally.lowestLimit = min(tally.lowestLimit ?? limit, limit)
                    }
                }
                tallies[index][group] = tally
            }
        }
        // Points carry their time to the millisecond: a `since` copied from the last point's
        // `time` must exclude the sample it was rounded from.
        return hosts.enumerated().compactMap { index, host in
            var byRawValue = Array(repeating: UInt32(0), count: TCPState.rawValueSlots)
            for (column, state) in StateCounts.states.enumerated() {
                byRawValue[Int(state.rawValue)] = UInt32(clamping: host.counts.values[column])
            }
            let point = ServeTimeline.point(
                time: host.time,
                host: byRawValue,
                tallies[index].map { ($0.key, $0.value) },
                groupsPerPoint: groupsPerPoint
            )
            return point.time > since ? point : nil
        }
    }
}
