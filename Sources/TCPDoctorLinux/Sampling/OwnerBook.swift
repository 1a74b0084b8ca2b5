import Glibc
import TCPDoctorCore
import TCPDoctorSystem

/// The owners `SnapshotRefresher` keeps between refreshes, and how it keeps them true cheaply.
///
/// After a full walk the book knows, per process, its fd count and its socket fds. A refresh
/// then reads only what can have changed:
///
/// 1. Beside the dump: every pid's fd count from `stat /proc/PID/fd` (`st_size`, Linux >= 6.2)
///    and, for socket holders, the start time (a reused pid is a new process); processes that
///    are new, whose count changed or whose start time differs have their fds walked again.
/// 2. After the dump, the books are checked against it. A known holder of a socket that left the
///    dump may have closed it and opened another at the same count (a busy server's steady
///    state): it is walked again. A dumped socket that no known owner explains is looked for
///    among the likely holders: the owners of the listener on its local port and the holders of
///    other sockets toward its remote endpoint, in its namespace.
/// 3. What is still unexplained is reported as unattributed (counted in the coverage like a full
///    snapshot's), and the next refresh walks everything (`FullReason.unbalanced`), except for
///    sockets that a full walk could not explain either (held by processes it cannot read).
///
/// One blind spot remains between full walks, and `fullRefreshPeriod` bounds it: a process that
/// replaces a socket fd by a non-socket at the same fd count while another process keeps the
/// socket open is still listed among that socket's holders.
///
/// `@unchecked Sendable`: the walk's closure runs on the walk's thread while the caller only
/// dumps, and the caller reads the book only after joining that thread (`OwnerWalk.wait()`).
final class OwnerBook: @unchecked Sendable {
    /// What the book knows of one process.
    struct Entry {
        /// Its fd count at the last look.
        var fdCount: Int
        /// When it started, for socket holders (`/proc/PID/stat` field 22).
        var startTime: UInt64?
        /// Its socket fds as packed owner keys (`SocketOwnerTable.key`).
        var keys: [UInt128]
    }

    let procRoot: String
    private(set) var entries: [Int32: Entry] = [:]
    /// Processes whose fds could not be read, with why.
    private(set) var unreadable: [Int32: Coverage.UnreadableProcess] = [:]
    /// Holders' details, valid for the start time they carry.
    private var described: [Int32: TCPProcess] = [:]
    /// Pids walked again in the current refresh, whose details must be read again too.
    private var rewalked: Set<Int32> = []
    /// TCP socket inodes of the last dump.
    private var lastDumped: Set<UInt64> = []
    /// Sockets the last full walk could not explain either.
    private var tolerated: Set<UInt64> = []
    private let reader: ProcessReader

    /// Whether the kernel gives fd counts in `st_size` of `/proc/PID/fd`; nil until a full walk.
    private(set) var countsFromStat: Bool?
    /// Whether the last settle found sockets it could not explain.
    private(set) var unbalanced = false
    /// Processes whose fds the current refresh walked.
    private(set) var processesWalked = 0

    init(procRoot: String = "/proc") {
        self.procRoot = procRoot
        reader = ProcessReader(procRoot: procRoot)
    }

    // MARK: Full walks

    /// A source that walks everything and fills the book from it.
    var full: any OwnerSource { Full(book: self) }

    private struct Full: OwnerSource {
        let book: OwnerBook
        func start() -> OwnerWalk { OwnerWalk.start() }
        func settle(_ scan: FDScan, dumped: [SocketRecord]) -> FDScan { book.settleFull(scan, dumped: dumped) }
        func describe(_ scan: FDScan) -> ProcessReadResult { book.describe(scan) }
    }

    private func settleFull(_ scan: FDScan, dumped: [SocketRecord]) -> FDScan {
        entries = [:]
        let keys = Self.keysByPID(scan.owners)
        for (pid, count) in scan.openFiles {
            entries[pid] = Entry(fdCount: count, startTime: scan.startTimes[pid], keys: keys[pid] ?? [])
        }
        unreadable = Dictionary(scan.processesUnreadable.map { ($0.pid, $0) }) { first, _ in first }
        rewalked = Set(scan.socketHolders)
        processesWalked = scan.processesScanned
        if countsFromStat == nil { countsFromStat = probeStatCounts(scan) }
        let dumpedInodes = Self.inodes(dumped)
        tolerated = dumpedInodes.filter { !scan.owners.contains($0) }
        lastDumped = dumpedInodes
        unbalanced = false
        return scan
    }

    /// Whether `st_size` of `/proc/PID/fd` counts fds here: it does for the processes the walk
    /// just counted (a count may move in between, so one match among a few is enough).
    private func probeStatCounts(_ scan: FDScan) -> Bool {
        let sample = scan.openFiles.filter { $0.value > 0 }.prefix(8)
        return sample.contains { pid, count in
            guard let size = statCount(pid) else { return false }
            return size > 0 && abs(size - count) <= 2
        }
    }

    private func statCount(_ pid: Int32) -> Int? {
        guard case .success(let info) = "\(procRoot)/\(pid)/fd".withCString({ procStatAt(AT_FDCWD, $0) }) else {
            return nil
        }
        return Int(info.st_size)
    }

    // MARK: Incremental refreshes

    /// A source that reads only what can have changed since the last refresh.
    var incremental: any OwnerSource { Incremental(book: self) }

    private struct Incremental: OwnerSource {
        let book: OwnerBook
        func start() -> OwnerWalk {
            let book = self.book
            return OwnerWalk { book.walkChanged() }
        }
        func settle(_ scan: FDScan, dumped: [SocketRecord]) -> FDScan { book.settleIncremental(dumped: dumped) }
        func describe(_ scan: FDScan) -> ProcessReadResult { book.describe(scan) }
    }

    /// Step 1: the pids that are new, whose fd count changed, or whose pid was reused.
    private func walkChanged() -> Result<FDScan, LinuxError> {
        let pids: [Int32]
        do throws(LinuxError) {
            let root: ProcDescriptor
            do {
                root = try ProcDescriptor(opening: procRoot, directoryOnly: true)
            } catch {
                throw LinuxError(.procfsUnreadable, "cannot open \(procRoot)", errno: error)
            }
            pids = try FDScanner.listPIDs(root.rawValue, procRoot: procRoot)
        } catch {
            return .failure(error)
        }
        var changed: [Int32] = []
        var seen: [Int32: Entry] = [:]
        seen.reserveCapacity(pids.count)
        for pid in pids {
            guard let count = statCount(pid) else {
                // Gone since the listing, or not ours to stat: a known entry stays as it was.
                if let entry = entries[pid] { seen[pid] = entry }
                continue
            }
            guard var entry = entries[pid], entry.fdCount == count else {
                changed.append(pid)
                continue
            }
            if !entry.keys.isEmpty, let known = entry.startTime, startTime(pid) != known {
                changed.append(pid)
                continue
            }
            entry.fdCount = count
            seen[pid] = entry
        }
        entries = seen
        rewalked = []
        processesWalked = 0
        walk(changed)
        return .success(FDScan())
    }

    /// Walks `pids` again and replaces what the book knew of them.
    private func walk(_ pids: [Int32]) {
        guard !pids.isEmpty else { return }
        let scan: FDScan
        do throws(LinuxError) {
            scan = try FDScanner(procRoot: procRoot).scan(pids: pids.sorted(), threads: pids.count > 4 ? 2 : 1)
        } catch {
            // /proc itself failed between two calls: nothing is known of these pids any more.
            for pid in pids { entries[pid] = nil }
            return
        }
        let keys = Self.keysByPID(scan.owners)
        for pid in pids {
            entries[pid] = scan.openFiles[pid].map {
                Entry(fdCount: $0, startTime: scan.startTimes[pid], keys: keys[pid] ?? [])
            }
            unreadable[pid] = nil
        }
        for process in scan.processesUnreadable { unreadable[process.pid] = process }
        rewalked.formUnion(pids)
        processesWalked += scan.processesScanned
    }

    /// Steps 2 and 3: the books against the dump.
    private func settleIncremental(dumped: [SocketRecord]) -> FDScan {
        let dumpedInodes = Self.inodes(dumped)
        var table = ownerTable()
        // Holders of sockets that left the dump since the last refresh.
        var suspects: Set<Int32> = []
        for inode in lastDumped where !dumpedInodes.contains(inode) {
            for owner in table.owners(of: inode) where !rewalked.contains(owner.pid) { suspects.insert(owner.pid) }
        }
        let unexplained = dumped.filter { $0.inode != 0 && !tolerated.contains($0.inode) && !table.contains($0.inode) }
        // Those walked beside the dump need no second look for what left it; the likely holders
        // of unexplained sockets do, even if walked beside the dump: the socket may be newer.
        suspects.subtract(rewalked)
        let leads = likelyHolders(of: unexplained, dumped: dumped, table)
        for pids in leads.values { suspects.formUnion(pids) }
        if !suspects.isEmpty {
            walk(Array(suspects))
            table = ownerTable()
        }
        // A socket whose likely holders were all read after the dump and do not hold it was
        // closed in between (a full walk races the same way); one with no lead at all means the
        // books are missing a holder.
        unbalanced = unexplained.contains { !table.contains($0.inode) && leads[$0.inode, default: []].isEmpty }
        lastDumped = dumpedInodes
        var scan = FDScan(owners: table, processesUnreadable: unreadable.values.sorted { $0.pid < $1.pid })
        scan.processesScanned = entries.count - unreadable.count
        for (pid, entry) in entries {
            scan.openFiles[pid] = entry.fdCount
            guard !entry.keys.isEmpty else { continue }
            scan.socketHolders.append(pid)
            scan.startTimes[pid] = entry.startTime
        }
        scan.socketHolders.sort()
        return scan
    }

    /// The processes likely to hold each of `sockets`, by inode: the owners of a listener on its
    /// local port and the holders of other sockets toward its remote endpoint, in its namespace.
    private func likelyHolders(
        of sockets: [SocketRecord],
        dumped: [SocketRecord],
        _ table: SocketOwnerTable
    ) -> [UInt64: Set<Int32>] {
        guard !sockets.isEmpty else { return [:] }
        struct Port: Hashable {
            var netns: UInt64
            var port: UInt16
        }
        struct Remote: Hashable {
            var netns: UInt64
            var remote: Endpoint
        }
        var listeners: [Port: Set<Int32>] = [:]
        var peers: [Remote: Set<Int32>] = [:]
        for socket in dumped where socket.inode != 0 {
            let owners = table.owners(of: socket.inode)
            guard !owners.isEmpty else { continue }
            if socket.state == .listen {
                listeners[Port(netns: socket.netns, port: socket.local.port), default: []].formUnion(owners.map(\.pid))
            } else {
                peers[Remote(netns: socket.netns, remote: socket.remote), default: []].formUnion(owners.map(\.pid))
            }
        }
        var leads: [UInt64: Set<Int32>] = [:]
        for socket in sockets {
            let port = listeners[Port(netns: socket.netns, port: socket.local.port)] ?? []
            leads[socket.inode] = port.union(peers[Remote(netns: socket.netns, remote: socket.remote)] ?? [])
        }
        return leads
    }

    /// The packed owner keys of `table`, per holding pid.
    private static func keysByPID(_ table: SocketOwnerTable) -> [Int32: [UInt128]] {
        var keys: [Int32: [UInt128]] = [:]
        for (inode, owner) in zip(table.inodes, table.holders) {
            keys[owner.pid, default: []].append(SocketOwnerTable.key(inode: inode, pid: owner.pid, fd: owner.fd))
        }
        return keys
    }

    private func ownerTable() -> SocketOwnerTable {
        var keys: [UInt128] = []
        keys.reserveCapacity(entries.values.reduce(0) { $0 + $1.keys.count })
        for entry in entries.values { keys.append(contentsOf: entry.keys) }
        return SocketOwnerTable(unsortedKeys: &keys)
    }

    private func startTime(_ pid: Int32) -> UInt64? {
        guard case .success(let bytes) = readProcFile("\(procRoot)/\(pid)/stat", limit: 1024) else { return nil }
        return bytes.withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) }?.startTime
    }

    private static func inodes(_ sockets: [SocketRecord]) -> Set<UInt64> {
        var inodes = Set<UInt64>(minimumCapacity: sockets.count)
        for socket in sockets where socket.inode != 0 { inodes.insert(socket.inode) }
        return inodes
    }

    // MARK: Details

    /// The holders' details: kept for processes that were not walked again (with their new fd
    /// count), read afresh for the others, tied to the start time the walk saw.
    private func describe(_ scan: FDScan) -> ProcessReadResult {
        var result = ProcessReadResult()
        var fresh: [Int32] = []
        for pid in scan.socketHolders {
            if !rewalked.contains(pid), var process = described[pid], process.startTime == scan.startTimes[pid] {
                process.openFiles = scan.openFiles[pid] ?? process.openFiles
                result.processes[pid] = process
            } else {
                fresh.append(pid)
            }
        }
        let read = reader.read(pids: fresh, openFiles: scan.openFiles, startTimes: scan.startTimes)
        result.processes.merge(read.processes) { _, new in new }
        result.unreadable = read.unreadable
        result.vanished = read.vanished
        described = result.processes
        return result
    }
}
