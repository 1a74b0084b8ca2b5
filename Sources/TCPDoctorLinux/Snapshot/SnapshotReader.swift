import CSockDiag
import Glibc
import Synchronization
import TCPDoctorCore

/// Takes a `Snapshot` of the host: every TCP socket of the chosen namespaces and their owners.
///
/// The kernel dumps (one per namespace and family) and the `/proc/*/fd` walk are independent,
/// so the walk runs on other threads while the dumps stream in; on a busy host each takes
/// a few hundred milliseconds and the snapshot costs about the longer of the two.
public enum SnapshotReader {
    /// Reads a snapshot as `request` asks.
    ///
    /// Namespaces that cannot be read are listed in `coverage.namespaceProblems`, not thrown,
    /// as long as one could be; so are processes that cannot be inspected.
    ///
    /// - Throws: `LinuxError` when no namespace could be read at all (neither netlink nor
    ///   /proc/net/tcp: the first namespace's error, with its label), when /proc cannot be read,
    ///   or when a namespace the request names does not exist.
    public static func read(_ request: SnapshotRequest) throws(LinuxError) -> Snapshot {
        try read(request, in: namespaces(request.namespaces))
    }

    /// Reads a snapshot of namespaces already located (see `namespaces(_:)`).
    public static func read(
        _ request: SnapshotRequest,
        in locations: [NamespaceLocation]
    ) throws(LinuxError) -> Snapshot {
        try read(request, in: locations, faults: [:])
    }

    /// `read(_:in:)` with errors injected into the netlink transport of chosen namespaces.
    static func read(
        _ request: SnapshotRequest,
        in locations: [NamespaceLocation],
        faults: NetlinkFaults
    ) throws(LinuxError) -> Snapshot {
        let takenAt = wallClockSeconds()

        let walk = request.includeOwners ? OwnerWalk.start() : nil
        var coverage = Coverage(privileged: geteuid() == 0)
        let dumped = try dumpSockets(request, locations, &coverage, faults: faults)

        guard let walk else {
            return Snapshot(
                takenAt: takenAt,
                sockets: dumped.sockets,
                namespaces: locations.map(\.namespace),
                coverage: coverage
            )
        }
        let scan = try walk.wait()
        scan.record(in: &coverage)

        // Tied to the walk by start time: a holder whose pid went to another process since is
        // vanished, not that other process.
        let processes = ProcessReader().read(
            pids: scan.socketHolders.sorted(),
            openFiles: scan.openFiles,
            startTimes: scan.startTimes
        )
        coverage.processesUnreadable += processes.unreadable
        coverage.processesVanished += processes.vanished

        // Socket fds in no table are only looked for when every state was dumped; with some
        // namespaces left out, only among processes inside the ones that were read.
        var dead: [DeadSocketFD] = []
        if request.findDeadSocketFDs && request.states == .all {
            let everywhere = request.namespaces == .all
            let read = Set(locations.map(\.namespace.inode))
            dead = deadSocketFDs(scan.owners, dumped: dumped.sockets, includeUndecided: everywhere) { owner in
                everywhere || processes.processes[owner.pid].map { read.contains($0.netns) } ?? false
            }
        }

        // A holder that exited between the fd walk and reading its details no longer holds
        // anything: naming it would name a process that is gone (its pid may even be reused).
        var owners = scan.owners
        let unreadable = Set(processes.unreadable.map(\.pid))
        if processes.vanished > 0 {
            owners = owners.filter { processes.processes[$0.pid] != nil || unreadable.contains($0.pid) }
        }
        var unattributed = 0
        for socket in dumped.sockets where socket.inode != 0 && !owners.contains(socket.inode) {
            unattributed += 1
        }
        coverage.socketsUnattributed = unattributed

        return Snapshot(
            takenAt: takenAt,
            sockets: dumped.sockets,
            namespaces: locations.map(\.namespace),
            owners: owners,
            processes: processes.processes,
            deadSocketFDs: dead,
            coverage: coverage
        )
    }

    /// The namespaces a request names, host first.
    public static func namespaces(_ selection: SnapshotRequest.Namespaces) throws(LinuxError) -> [NamespaceLocation] {
        let discovery = NamespaceDiscovery()
        switch selection {
        case .all: return try discovery.all()
        case .current: return [try discovery.namespace(atPath: "/proc/thread-self/ns/net")]
        case .named(let name): return [try discovery.namespace(named: name)]
        case .path(let path): return [try discovery.namespace(atPath: path)]
        case .pid(let pid): return [try discovery.namespace(ofPID: pid)]
        }
    }

    /// TCP socket fds whose socket is in no table of the namespaces read and which, seen through
    /// a duplicate of the fd, is closed after having carried a connection.
    ///
    /// Being in no dump is not enough: a socket created after the dump, a socket only created or
    /// bound, and a socket of a namespace that was not read are in none either. TCP_INFO tells
    /// them apart (`DetachedSocketInspector`).
    ///
    /// - Parameters:
    ///   - includeUndecided: keep candidates the inspector cannot judge (no pidfd_getfd); right
    ///     only when every namespace was read, so that being in no dump means something.
    ///   - keep: which holders to consider.
    private static func deadSocketFDs(
        _ owners: SocketOwnerTable,
        dumped: [SocketRecord],
        includeUndecided: Bool,
        keep: (SocketOwner) -> Bool
    ) -> [DeadSocketFD] {
        var inodes = Set<UInt64>(minimumCapacity: dumped.count)
        for socket in dumped where socket.inode != 0 { inodes.insert(socket.inode) }
        let candidates = SocketProtocolProbe().deadTCPSockets(in: owners.filter(keep)) { inodes.contains($0) }
        var verdicts: [UInt64: DetachedSocketInspector.Verdict] = [:]
        return candidates.filter { fd in
            let verdict = verdicts[fd.inode] ?? DetachedSocketInspector.inspect(pid: fd.owner.pid, fd: fd.owner.fd)
            verdicts[fd.inode] = verdict
            switch verdict {
            case .detached: return true
            case .undecided: return includeUndecided
            case .alive, .neverConnected: return false
            }
        }
    }

    private static func wallClockSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The `/proc/*/fd` walk running on threads of its own while the caller dumps sockets.
final class OwnerWalk: Sendable {
    private final class Outcome: Sendable {
        let value = Mutex<Result<FDScan, LinuxError>?>(nil)
    }

    private let threads: Int
    private let outcome = Outcome()
    private let thread: JoinableThread?

    private init(threads: Int) {
        self.threads = threads
        let outcome = self.outcome
        thread = try? systemStartThread { outcome.value.withLock { $0 = Self.scan(threads: threads) } }.get()
    }

    static func start(threads: Int = 2) -> OwnerWalk {
        OwnerWalk(threads: threads)
    }

    private static func scan(threads: Int) -> Result<FDScan, LinuxError> {
        do throws(LinuxError) {
            return .success(try FDScanner().scan(threads: threads))
        } catch {
            return .failure(error)
        }
    }

    /// The walk's result; when its thread could not be started, the walk runs here.
    func wait() throws(LinuxError) -> FDScan {
        guard let thread else { return try Self.scan(threads: threads).get() }
        thread.join()
        switch outcome.value.withLock({ $0 }) {
        case .success(let scan): return scan
        case .failure(let error): throw error
        case nil: throw LinuxError(.systemCall, "the /proc fd walk ended without a result")
        }
    }
}
