import CSockDiag
import Glibc
import Synchronization
import TCPDoctorCore
import TCPDoctorSystem

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
    ///
    /// `owners` finds the holders (every process walked when nil).
    static func read(
        _ request: SnapshotRequest,
        in locations: [NamespaceLocation],
        faults: NetlinkFaults,
        owners source: (any OwnerSource)? = nil
    ) throws(LinuxError) -> Snapshot {
        let takenAt = systemWallClockSeconds()
        let source = source ?? FullOwnerWalk()

        var coverage = Coverage(privileged: geteuid() == 0)
        let (dumped, walked) = try dumpBesideWalk(request.includeOwners ? source.start() : nil) {
            () throws(LinuxError) in try dumpSockets(request, locations, &coverage, faults: faults)
        }
        guard let walked else {
            return Snapshot(
                takenAt: takenAt,
                sockets: dumped.sockets,
                namespaces: locations.map(\.namespace),
                coverage: coverage
            )
        }
        let scan = source.settle(walked, dumped: dumped.sockets)
        scan.record(in: &coverage)
        let processes = source.describe(scan)
        coverage.processesUnreadable += processes.unreadable
        coverage.processesVanished += processes.vanished

        // Socket fds in no table are only looked for when every state was dumped; with some
        // namespaces left out, only among processes inside the ones that were read.
        var dead = DeadSocketFDs()
        if request.findDeadSocketFDs && request.states == .all {
            // A namespace that failed to read leaves its sockets in no dump: only the ones read count.
            let read = dumped.read
            let everywhere = request.namespaces == .all && read.count == locations.count
            dead = deadSocketFDs(scan.owners, dumped: dumped.sockets, minimumIdle: request.deadSocketMinimumIdle) {
                owner in
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
        var holders = processes.processes
        if request.namespaces != .all {
            holders = Self.processes(holders, in: dumped, owners: owners)
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
            processes: holders,
            deadSocketFDs: dead.confirmed,
            unverifiedSocketFDs: dead.unverified,
            coverage: coverage
        )
    }

    /// With some namespaces left out (`--netns`), the socket holders that belong to the ones read:
    /// those inside one, and those outside that hold one of its sockets. The others hold only
    /// sockets of namespaces nobody asked about, and the doctor's rules about processes (fd
    /// exhaustion) would otherwise judge them too.
    static func processes(
        _ all: [Int32: TCPProcess],
        in dumped: Dumped,
        owners: SocketOwnerTable
    ) -> [Int32: TCPProcess] {
        var holding = Set<Int32>()
        for socket in dumped.sockets where socket.inode != 0 {
            for owner in owners.owners(of: socket.inode) { holding.insert(owner.pid) }
        }
        let read = dumped.read
        return all.filter { pid, process in holding.contains(pid) || read.contains(process.netns) }
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

    /// Runs `dump` on this thread while `walk` runs on its own, and joins the walk on every
    /// path: a dump that throws must not leave a walk running (it would outlive the call and
    /// still be reading /proc when the caller has moved on).
    ///
    /// - Returns: the dump, and the walk's result (nil without a walk).
    /// - Throws: the dump's error first, else the walk's.
    static func dumpBesideWalk(
        _ walk: OwnerWalk?,
        _ dump: () throws(LinuxError) -> Dumped
    ) throws(LinuxError) -> (Dumped, FDScan?) {
        let dumped: Dumped
        do throws(LinuxError) {
            dumped = try dump()
        } catch {
            _ = try? walk?.wait()
            throw error
        }
        return (dumped, try walk?.wait())
    }
}
