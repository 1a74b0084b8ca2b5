import TCPDoctorCore
import TCPDoctorLinux

/// What one refresh of `watch` shows: the table, and the sample it was built from with what the
/// loop knows about its timing.
struct WatchFrame {
    var table: WatchTable
    var sample: Sample
    /// Ticks skipped so far because a refresh ran past them (`TickSchedule.skipped`).
    var skippedTicks: Int
    /// Seconds between refreshes.
    var interval: Double
    /// The filter's text as the user gave it; empty for every socket.
    var filter: String

    /// Processes that hold at least one socket of the snapshot.
    var processes: Int { sample.input.snapshot.processes.count }
    /// Sockets with an open file whose owner the refresh could not name.
    var unattributed: Int { sample.refresh.socketsUnattributed }

    /// `full (first)`, `full (period)`, `incremental`: how the refresh found the owners.
    var refreshKind: String {
        switch sample.refresh.kind {
        case .full(let reason): "full (\(reason.rawValue))"
        case .incremental: "incremental"
        }
    }

    /// The sockets of `snapshot` that `filter` and `processes` keep; the snapshot's own array when
    /// both keep everything (a copy of 200k records is not free).
    static func select(
        from snapshot: Snapshot,
        filter: SocketFilter,
        processes: ProcessSelection
    ) -> [SocketRecord] {
        guard filter != .all || !processes.isAll else { return snapshot.sockets }
        return snapshot.sockets.filter { filter.matches($0) && processes.holds($0, in: snapshot) }
    }
}
