import TCPDoctorCore

/// Where a snapshot's owners come from: a walk of every process's fds (`FullOwnerWalk`, what a
/// single snapshot does), or the books `SnapshotRefresher` keeps between refreshes.
///
/// `SnapshotReader` calls `start()` before the dump, joins the walk after it, hands the result
/// and the dumped sockets to `settle`, and asks `describe` for the holders' details; always in
/// that order and on one thread, except the walk's own work, which runs on the walk's thread.
protocol OwnerSource {
    /// Starts finding owners, on a thread of its own, while the caller dumps the sockets.
    func start() -> OwnerWalk
    /// The owners to use once the dump is in: a source may read again the processes that the
    /// dump shows it knew wrong.
    func settle(_ scan: FDScan, dumped: [SocketRecord]) -> FDScan
    /// The details of the processes `scan` found holding sockets.
    func describe(_ scan: FDScan) -> ProcessReadResult
}

/// Every process's fds walked afresh, every process described afresh.
struct FullOwnerWalk: OwnerSource {
    func start() -> OwnerWalk { OwnerWalk.start() }

    func settle(_ scan: FDScan, dumped: [SocketRecord]) -> FDScan { scan }

    func describe(_ scan: FDScan) -> ProcessReadResult {
        // Tied to the walk by start time: a holder whose pid went to another process since is
        // vanished, not that other process.
        ProcessReader().read(pids: scan.socketHolders, openFiles: scan.openFiles, startTimes: scan.startTimes)
    }
}
