import TCPDoctorCore

/// What one walk of `/proc/[pid]/fd` found: socket holders, fd counts, and what it could not see.
public struct FDScan: Sendable {
    /// Holders of every socket inode (TCP and every other kind: the walk cannot tell them apart).
    public var owners: SocketOwnerTable
    /// Open file descriptors per process, for every process whose fd directory could be listed
    /// (including processes whose links could not be read, such as pid 1 on some hosts).
    public var openFiles: [Int32: Int]
    /// Pids holding at least one socket fd, ascending.
    public var socketHolders: [Int32]
    /// When each socket holder started (`/proc/PID/stat` field 22), read during its walk: what
    /// is read about a holder later must come from the process with this start time, not from
    /// a later one the pid was given to. A holder that exited before its start time was read
    /// has none.
    public var startTimes: [Int32: UInt64] = [:]
    /// Processes whose fd links were read.
    public var processesScanned: Int
    /// Processes whose fds could not be read, by pid; `command` is filled from `/proc/PID/comm`
    /// when that is readable.
    public var processesUnreadable: [Coverage.UnreadableProcess]
    /// Processes that exited between listing `/proc` and finishing their fd directory; none of
    /// their fds are in `owners`.
    public var processesVanished: Int

    public init(
        owners: SocketOwnerTable = SocketOwnerTable(),
        openFiles: [Int32: Int] = [:],
        socketHolders: [Int32] = [],
        processesScanned: Int = 0,
        processesUnreadable: [Coverage.UnreadableProcess] = [],
        processesVanished: Int = 0
    ) {
        self.owners = owners
        self.openFiles = openFiles
        self.socketHolders = socketHolders
        self.processesScanned = processesScanned
        self.processesUnreadable = processesUnreadable
        self.processesVanished = processesVanished
    }

    /// Records what the walk covered in a snapshot's coverage.
    public func record(in coverage: inout Coverage) {
        coverage.ownersScanned = true
        coverage.processesScanned += processesScanned
        coverage.processesUnreadable += processesUnreadable
        coverage.processesVanished += processesVanished
    }
}
