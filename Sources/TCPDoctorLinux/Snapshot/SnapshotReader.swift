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
    /// Namespaces other than the caller's that cannot be read are listed in
    /// `coverage.namespaceProblems`, not thrown; so are processes that cannot be inspected.
    ///
    /// - Throws: `LinuxError` when the caller's own namespace cannot be read at all (neither
    ///   netlink nor /proc/net/tcp), when /proc cannot be read, or when a namespace the request
    ///   names does not exist.
    public static func read(_ request: SnapshotRequest) throws(LinuxError) -> Snapshot {
        try read(request, in: namespaces(request.namespaces))
    }

    /// Reads a snapshot of namespaces already located (see `namespaces(_:)`).
    public static func read(
        _ request: SnapshotRequest,
        in locations: [NamespaceLocation]
    ) throws(LinuxError) -> Snapshot {
        let takenAt = wallClockSeconds()

        let walk = request.includeOwners ? OwnerWalk.start() : nil
        var coverage = Coverage(privileged: geteuid() == 0)
        let dumped = try dumpSockets(request, locations, &coverage)

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

        let processes = ProcessReader().read(pids: scan.socketHolders.sorted(), openFiles: scan.openFiles)
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

    struct Dumped {
        var sockets: [SocketRecord] = []
    }

    private static func dumpSockets(
        _ request: SnapshotRequest,
        _ locations: [NamespaceLocation],
        _ coverage: inout Coverage
    ) throws(LinuxError) -> Dumped {
        let query = SockDiagQuery(
            states: request.states,
            includeInfo: request.includeInfo,
            includeShutdown: request.includeShutdown
        )
        var dumped = Dumped()
        var useProcfs = request.forceProcfs
        for location in locations {
            let namespace = location.namespace
            do throws(LinuxError) {
                if !useProcfs {
                    do throws(LinuxError) {
                        let path = namespace.isHost ? nil : location.path
                        // Beside an fd walk the CPUs are taken: split only when the dump runs alone.
                        if !request.includeOwners, let halves = parallelHalves(query) {
                            try dumpInParallel(
                                halves,
                                path: path,
                                netns: namespace.inode,
                                into: &dumped.sockets,
                                &coverage
                            )
                        } else {
                            let client = try SockDiagClient(namespacePath: path)
                            try dump(client, query, netns: namespace.inode, into: &dumped.sockets, &coverage.notes)
                        }
                        continue
                    } catch  where error.code == .netlinkUnavailable {
                        // No sock_diag in this kernel (or a seccomp filter): /proc for every namespace.
                        useProcfs = true
                    }
                }
                coverage.source = .procfs
                let records = try procfsRecords(location)
                dumped.sockets += records.filter { request.states.contains($0.state) }
            } catch {
                if namespace.isHost { throw error }
                coverage.namespaceProblems.append(
                    Coverage.NamespaceProblem(
                        namespace: namespace.label,
                        inode: namespace.inode,
                        reason: error.description
                    )
                )
            }
        }
        return dumped
    }

    /// The query split in two for two dumps at once: ESTABLISHED, and every other state asked for.
    ///
    /// nil when one part would be empty or only one CPU is online. The kernel fills each reply on
    /// the thread that reads it (`inet_diag_dump`), so two dumps on two netlink sockets run on two
    /// CPUs. Each still walks the whole hash table, which is why the split is in two and along
    /// ESTABLISHED, the state of most sockets on most hosts, rather than finer.
    static func parallelHalves(_ query: SockDiagQuery) -> (SockDiagQuery, SockDiagQuery)? {
        guard sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1 else { return nil }
        var established = query
        established.states = query.states.intersection(TCPStateSet(.established))
        var others = query
        others.states = query.states.subtracting(TCPStateSet(.established))
        guard !established.states.isEmpty, !others.states.isEmpty else { return nil }
        return (established, others)
    }

    /// Dumps the two halves of a query at once, each on a netlink socket of its own, and appends
    /// the records of the first, then of the second.
    private static func dumpInParallel(
        _ halves: (SockDiagQuery, SockDiagQuery),
        path: String?,
        netns: UInt64,
        into sockets: inout [SocketRecord],
        _ coverage: inout Coverage
    ) throws(LinuxError) {
        let second = ParallelDump()
        let started = systemStartThread {
            do throws(LinuxError) {
                let client = try SockDiagClient(namespacePath: path)
                try dump(client, halves.1, netns: netns, into: &second.sockets, &second.notes)
            } catch {
                second.error = error
            }
        }
        var firstError: LinuxError?
        do throws(LinuxError) {
            let client = try SockDiagClient(namespacePath: path)
            try dump(client, halves.0, netns: netns, into: &sockets, &coverage.notes)
        } catch {
            firstError = error
        }
        guard case .success(let thread) = started else {
            // No thread to be had: the second half on this one.
            if let firstError { throw firstError }
            let client = try SockDiagClient(namespacePath: path)
            try dump(client, halves.1, netns: netns, into: &sockets, &coverage.notes)
            return
        }
        thread.join()
        if let firstError { throw firstError }
        if let error = second.error { throw error }
        sockets += second.sockets
        // Both halves say the same about IPv6 or an interrupted dump: once is enough.
        for note in second.notes where !coverage.notes.contains(note) { coverage.notes.append(note) }
    }

    /// What the second of two parallel dumps produced. `@unchecked Sendable`: written only by
    /// the dumping thread, read only after it was joined.
    private final class ParallelDump: @unchecked Sendable {
        var sockets: [SocketRecord] = []
        var notes: [String] = []
        var error: LinuxError?
    }

    /// Streams a namespace's sockets straight into `sockets` (no intermediate array: at 200k
    /// records every copy costs tens of megabytes), one family at a time so that a kernel without
    /// IPv6 still yields its IPv4 sockets. A dump the kernel flags as interrupted is redone once.
    private static func dump(
        _ client: SockDiagClient,
        _ query: SockDiagQuery,
        netns: UInt64,
        into sockets: inout [SocketRecord],
        _ notes: inout [String]
    ) throws(LinuxError) {
        for family in query.families {
            var single = query
            single.families = [family]
            let start = sockets.count
            do throws(LinuxError) {
                var summary = try client.dump(single, netns: netns) { sockets.append($0) }
                if summary.interrupted {
                    sockets.removeSubrange(start...)
                    summary = try client.dump(single, netns: netns) { sockets.append($0) }
                    if summary.interrupted {
                        notes.append(
                            "the kernel's socket table changed during the dump twice; a few sockets may be missing or doubled"
                        )
                    }
                }
            } catch  where family == .ipv6 && error.code == .netlinkUnavailable && !sockets.isEmpty {
                sockets.removeSubrange(start...)
                notes.append("IPv6 sockets were not read: \(error.description)")
            }
        }
    }

    /// /proc/net/tcp of a namespace: our own, or that of a process inside it (no setns needed).
    private static func procfsRecords(_ location: NamespaceLocation) throws(LinuxError) -> [SocketRecord] {
        let namespace = location.namespace
        let reader = ProcNetTCPReader()
        if namespace.isHost { return try reader.readNamespace(directory: "/proc/self/net", netns: namespace.inode) }
        guard let pid = namespace.pids.first else {
            throw LinuxError(
                .namespaceUnavailable,
                "no process runs in it, and /proc/net/tcp can only be read through a process inside"
            )
        }
        return try reader.readNamespace(directory: "/proc/\(pid)/net", netns: namespace.inode)
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
