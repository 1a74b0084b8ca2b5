import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Reading the sockets of each namespace: netlink where it is supported, /proc where it is not.
extension SnapshotReader {
    /// Errors to make the netlink transport report, by namespace inode (tests of error handling).
    typealias NetlinkFaults = [UInt64: NetlinkFault]

    struct Dumped {
        var sockets: [SocketRecord] = []
        /// Inodes of the namespaces whose sockets were read in full.
        var read: Set<UInt64> = []
    }

    /// Reads every namespace of `locations`, each on its own terms.
    ///
    /// A namespace whose sockets cannot be read is listed in `coverage.namespaceProblems` with
    /// what happened, and none of its sockets are kept (half a namespace would pass for all of
    /// it). Only a kernel that does not support sock_diag (`.netlinkUnavailable`) sends a
    /// namespace to /proc/net/tcp, and only that namespace: a time-out or an interruption says
    /// nothing about the next one, and /proc could not answer a stalled kernel any better.
    ///
    /// - Throws: the first namespace's error, named, when no namespace could be read at all.
    static func dumpSockets(
        _ request: SnapshotRequest,
        _ locations: [NamespaceLocation],
        _ coverage: inout Coverage,
        faults: NetlinkFaults = [:]
    ) throws(LinuxError) -> Dumped {
        let query = SockDiagQuery(
            states: request.states,
            includeInfo: request.includeInfo,
            infoStates: request.infoStates,
            includeShutdown: request.includeShutdown
        )
        var dumped = Dumped()
        dumped.sockets.reserveCapacity(request.socketCapacity)
        var firstFailure: LinuxError?
        for location in locations {
            let namespace = location.namespace
            let start = dumped.sockets.count
            do throws(LinuxError) {
                let source = try readNamespace(
                    location,
                    request,
                    query,
                    fault: faults[namespace.inode],
                    into: &dumped.sockets,
                    &coverage.notes
                )
                dumped.read.insert(namespace.inode)
                coverage.namespaceSources.append(
                    Coverage.NamespaceSource(inode: namespace.inode, label: namespace.label, source: source)
                )
                if source == .procfs { coverage.source = .procfs }
            } catch {
                dumped.sockets.removeSubrange(start...)
                firstFailure = firstFailure ?? error.during("network namespace \(namespace.label)")
                coverage.namespaceProblems.append(
                    Coverage.NamespaceProblem(
                        namespace: namespace.label,
                        inode: namespace.inode,
                        reason: error.description
                    )
                )
            }
        }
        if dumped.read.isEmpty, let firstFailure { throw firstFailure }
        return dumped
    }

    /// One namespace's sockets appended to `sockets`; returns where they came from.
    private static func readNamespace(
        _ location: NamespaceLocation,
        _ request: SnapshotRequest,
        _ query: SockDiagQuery,
        fault: NetlinkFault?,
        into sockets: inout [SocketRecord],
        _ notes: inout [String]
    ) throws(LinuxError) -> Coverage.Source {
        let namespace = location.namespace
        var unsupported: LinuxError?
        if !request.forceProcfs {
            let start = sockets.count
            do throws(LinuxError) {
                // Our own namespace is the calling thread's: no file to enter.
                let file = namespace.isHost ? nil : try location.open()
                // Beside an fd walk the CPUs are taken: split only when the dump runs alone.
                if !request.includeOwners, let halves = parallelHalves(query) {
                    try dumpInParallel(halves, namespace: namespace, file: file, fault: fault, into: &sockets, &notes)
                } else {
                    let client = try SockDiagClient(namespace: file, fault: fault)
                    try dump(client, query, namespace: namespace, into: &sockets, &notes)
                }
                return .netlink
            } catch  where error.code == .netlinkUnavailable {
                sockets.removeSubrange(start...)
                unsupported = error
            }
        }
        let records: [SocketRecord]
        do throws(LinuxError) {
            records = try procfsRecords(location)
        } catch {
            guard let unsupported else { throw error }
            throw LinuxError(error.code, "\(unsupported.description), and \(error.message)", errno: error.errno)
        }
        sockets += records.filter { request.states.contains($0.state) }
        if let unsupported {
            notes.append("netlink sock_diag is not supported in network namespace \(namespace.label): \(unsupported)")
        }
        return .procfs
    }

    /// The query split in two for two dumps at once: ESTABLISHED, and every other state asked for.
    ///
    /// nil when one part would be empty or only one CPU is online. The kernel fills each reply on
    /// the thread that reads it (`inet_diag_dump`), so two dumps on two netlink sockets run on two
    /// CPUs. Each still walks the whole hash table, which is why the split is in two and along
    /// ESTABLISHED, the state of most sockets on most hosts, rather than finer.
    static func parallelHalves(_ query: SockDiagQuery) -> (SockDiagQuery, SockDiagQuery)? {
        guard systemOnlineProcessorCount() > 1 else { return nil }
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
        namespace: NetworkNamespace,
        file: NetworkNamespaceFile?,
        fault: NetlinkFault?,
        into sockets: inout [SocketRecord],
        _ notes: inout [String]
    ) throws(LinuxError) {
        let second = ParallelDump()
        let started = systemStartThread {
            do throws(LinuxError) {
                let client = try SockDiagClient(namespace: file, fault: fault)
                try dump(client, halves.1, namespace: namespace, into: &second.sockets, &second.notes)
            } catch {
                second.error = error
            }
        }
        var firstError: LinuxError?
        do throws(LinuxError) {
            let client = try SockDiagClient(namespace: file, fault: fault)
            try dump(client, halves.0, namespace: namespace, into: &sockets, &notes)
        } catch {
            firstError = error
        }
        guard case .success(let thread) = started else {
            // No thread to be had: the second half on this one.
            if let firstError { throw firstError }
            let client = try SockDiagClient(namespace: file, fault: fault)
            try dump(client, halves.1, namespace: namespace, into: &sockets, &notes)
            return
        }
        thread.join()
        if let firstError { throw firstError }
        if let error = second.error { throw error }
        sockets += second.sockets
        // Both halves say the same about IPv6 or an interrupted dump: once is enough.
        for note in second.notes where !notes.contains(note) { notes.append(note) }
    }

    /// What the second of two parallel dumps produced. `@unchecked Sendable`: written only by
    /// the dumping thread, read only after it was joined.
    private final class ParallelDump: @unchecked Sendable {
        var sockets: [SocketRecord] = []
        var notes: [String] = []
        var error: LinuxError?
    }

    /// Streams a namespace's sockets straight into `sockets` (no intermediate array: at 200k
    /// records every copy costs tens of megabytes): both families in one walk of the kernel's
    /// tables where the kernel takes that request, else one family at a time so that a kernel
    /// without IPv6 still yields its IPv4 sockets; the states with `tcp_info` apart from those
    /// without (`SockDiagQuery.uniformParts`). A dump the kernel flags as interrupted is redone
    /// once.
    private static func dump(
        _ client: SockDiagClient,
        _ query: SockDiagQuery,
        namespace: NetworkNamespace,
        into sockets: inout [SocketRecord],
        _ notes: inout [String]
    ) throws(LinuxError) {
        for part in query.uniformParts {
            try dumpPart(client, part, namespace: namespace, into: &sockets, &notes)
        }
    }

    /// One of `dump`'s parts: a query that asks for `tcp_info` for all its states or for none.
    private static func dumpPart(
        _ client: SockDiagClient,
        _ query: SockDiagQuery,
        namespace: NetworkNamespace,
        into sockets: inout [SocketRecord],
        _ notes: inout [String]
    ) throws(LinuxError) {
        let netns = namespace.inode
        if Set(query.families) == [.ipv4, .ipv6] {
            let dumped = try redoneIfInterrupted(into: &sockets, &notes) { sockets throws(LinuxError) in
                try client.dumpBothFamilies(query, netns: netns) { sockets.append($0) }
            }
            if dumped { return }
        }
        for family in query.families {
            var single = query
            single.families = [family]
            let start = sockets.count
            do throws(LinuxError) {
                _ = try redoneIfInterrupted(into: &sockets, &notes) { sockets throws(LinuxError) in
                    try client.dump(single, netns: netns) { sockets.append($0) }
                }
            } catch  where family == .ipv6 && error.code == .netlinkUnavailable && family != query.families.first {
                // IPv4 of this namespace was dumped: a kernel without IPv6 diag support still counts as read.
                sockets.removeSubrange(start...)
                notes.append("IPv6 sockets of network namespace \(namespace.label) were not read: \(error.description)")
            }
        }
    }

    /// Runs `dump` (appending to `sockets`) and, when the kernel flags it as interrupted, once
    /// more in place of its sockets; notes a second interruption.
    ///
    /// - Returns: false when `dump` returned no summary (the kernel refused the request).
    private static func redoneIfInterrupted(
        into sockets: inout [SocketRecord],
        _ notes: inout [String],
        _ dump: (inout [SocketRecord]) throws(LinuxError) -> SockDiagDumpSummary?
    ) throws(LinuxError) -> Bool {
        let start = sockets.count
        guard let first = try dump(&sockets) else { return false }
        guard first.interrupted else { return true }
        sockets.removeSubrange(start...)
        guard let second = try dump(&sockets) else { return false }
        if second.interrupted {
            notes.append(
                "the kernel's socket table changed during the dump twice; a few sockets may be missing or doubled"
            )
        }
        return true
    }

    /// /proc/net/tcp of a namespace: our own, that of a process inside it (no privilege needed),
    /// else read by a thread that entered it (CAP_SYS_ADMIN; also for a namespace no process is in).
    static func procfsRecords(_ location: NamespaceLocation) throws(LinuxError) -> [SocketRecord] {
        let namespace = location.namespace
        let reader = ProcNetTCPReader()
        if namespace.isHost { return try reader.readNamespace(directory: "/proc/self/net", netns: namespace.inode) }
        var throughProcess: LinuxError?
        for pid in namespace.pids {
            do throws(LinuxError) {
                return try procfsRecords(throughPID: pid, namespace: namespace.inode, reader)
            } catch {
                throughProcess = throughProcess ?? error
            }
        }
        let inside: Result<[SocketRecord], LinuxError>
        do throws(LinuxError) {
            inside = try location.open().withThreadInside { () -> Result<[SocketRecord], LinuxError> in
                do throws(LinuxError) {
                    return .success(
                        try reader.readNamespace(directory: "/proc/thread-self/net", netns: namespace.inode)
                    )
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw throughProcess ?? error
        }
        return try inside.get()
    }

    /// /proc/PID/net/tcp{,6}, read only while `pid` is still in namespace `inode`.
    ///
    /// The files are read through a descriptor of `/proc/PID` (`/proc/self/fd/N/net`), which
    /// stays bound to the process it was opened for: a pid reused since discovery fails to open
    /// or shows another namespace in `ns/net`, and is refused, instead of lending its sockets.
    static func procfsRecords(
        throughPID pid: Int32,
        namespace inode: UInt64,
        _ reader: ProcNetTCPReader
    ) throws(LinuxError) -> [SocketRecord] {
        let path = "/proc/\(pid)"
        let directory: ProcDescriptor
        do {
            directory = try ProcDescriptor(opening: path, directoryOnly: true)
        } catch {
            throw LinuxError(
                .namespaceUnavailable,
                "process \(pid), through which it was found, has exited",
                errno: error
            )
        }
        let fd = directory.rawValue
        func check() throws(LinuxError) {
            switch "ns/net".withCString({ procStatAt(fd, $0) }) {
            case .success(let info) where UInt64(info.st_ino) == inode: return
            case .success(let info):
                throw NamespaceLocation.moved(path: "\(path)/ns/net", leadsTo: UInt64(info.st_ino), expected: inode)
            case .failure(let error):
                throw LinuxError(.namespaceUnavailable, "cannot stat \(path)/ns/net", errno: error)
            }
        }
        try check()
        let records = try reader.readNamespace(directory: "/proc/self/fd/\(fd)/net", netns: inode)
        try check()
        return records
    }
}
