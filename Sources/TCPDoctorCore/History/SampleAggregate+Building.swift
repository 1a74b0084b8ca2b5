extension SampleAggregate {
    /// Aggregates what a sample saw: its snapshot (with owners), host facts and the doctor's findings.
    ///
    /// A socket is counted once per process that holds it (a forked socket belongs to each holder,
    /// as `sockets` lists them all), and once without a process when nobody holds it. Its place
    /// is its local port when that port listens in its namespace (a listener and what it
    /// accepted), its peer address otherwise.
    ///
    /// - Parameters:
    ///   - input: What the rules judged.
    ///   - findings: The doctor's findings for `input`.
    public init(_ input: DiagnosisInput, findings: [Finding]) {
        self.init()
        let snapshot = input.snapshot
        var listening: Set<NamespacedPort> = []
        for socket in snapshot.sockets where socket.state == .listen {
            listening.insert(NamespacedPort(netns: socket.netns, port: socket.local.port))
        }
        // Each holder's key once, not a process lookup per socket.
        var used: [Int32: ProcessKey] = [:]
        for socket in snapshot.sockets {
            let place: Place =
                listening.contains(NamespacedPort(netns: socket.netns, port: socket.local.port))
                ? .localPort(socket.local.port) : .peer(socket.remote.address)
            namespaces[socket.netns, default: Namespace(netns: socket.netns, counts: StateCounts())].counts.add(socket)
            let owners = snapshot.owners(of: socket)
            if owners.isEmpty {
                groups[GroupKey(netns: socket.netns, process: nil, place: place), default: StateCounts()].add(socket)
            }
            var previous: Int32?
            for owner in owners where owner.pid != previous {
                // Owners are sorted by pid: each holding process once.
                previous = owner.pid
                let key: ProcessKey
                if let known = used[owner.pid] {
                    key = known
                } else {
                    key = ProcessKey(pid: owner.pid, startTime: snapshot.processes[owner.pid]?.startTime)
                    used[owner.pid] = key
                }
                groups[GroupKey(netns: socket.netns, process: key, place: place), default: StateCounts()].add(socket)
            }
        }
        for pid in used.keys {
            guard let process = snapshot.processes[pid] else { continue }
            let key = ProcessKey(pid: pid, startTime: process.startTime)
            processes[key] = Process(
                key: key,
                command: process.command,
                argvHash: Self.argvHash(process.argv),
                openFiles: Int64(process.openFiles),
                fileLimitSoft: process.fileLimitSoft.map { Int64(clamping: $0) },
                fileLimitHard: process.fileLimitHard.map { Int64(clamping: $0) }
            )
        }
        for (inode, facts) in input.host.namespaces {
            var counters: [String: Int64] = [:]
            for name in Self.keptCounters {
                if let value = facts.counters[name] { counters[name] = value }
            }
            namespaces[inode, default: Namespace(netns: inode, counts: StateCounts())].counters = counters
        }
        self.findings = findings.map(FindingRecord.init)
        sockets = Int64(snapshot.sockets.count)
        socketsUnattributed = Int64(snapshot.coverage.socketsUnattributed)
        fileHandlesAllocated = input.host.fileHandlesAllocated
    }

    /// FNV-1a, 64 bits, of the arguments joined by NUL bytes (as /proc/PID/cmdline holds them).
    ///
    /// Stable across runs and versions (Swift's `Hasher` is seeded per process, so it is not).
    public static func argvHash(_ argv: [String]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, argument) in argv.enumerated() {
            if index > 0 { hash = (hash ^ 0) &* 0x100_0000_01b3 }
            for byte in argument.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        return hash
    }
}

private struct NamespacedPort: Hashable {
    var netns: UInt64
    var port: UInt16
}
