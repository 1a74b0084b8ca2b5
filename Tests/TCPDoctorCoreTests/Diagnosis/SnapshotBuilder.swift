@testable import TCPDoctorCore

/// Builds hand-made snapshots for the rule tests: sockets, their holders and the processes.
///
/// Every socket with holders gets a fresh inode; orphans (`orphan: true`) get inode 0, as the
/// kernel reports TIME_WAIT, orphaned FIN_WAIT2 and connections still in an accept queue.
struct SnapshotBuilder {
    static let hostNamespace: UInt64 = 4_026_531_840

    var sockets: [SocketRecord] = []
    var owners: [UInt64: [SocketOwner]] = [:]
    var processes: [Int32: TCPProcess] = [:]
    var deadSocketFDs: [DeadSocketFD] = []
    var coverage = Coverage(privileged: true, ownersScanned: true, processesScanned: 10)
    var netns = SnapshotBuilder.hostNamespace
    var facts = NamespaceFacts()
    private var nextInode: UInt64 = 10_000
    private var nextFD: [Int32: Int32] = [:]

    /// Adds a process; `runtime` and `server` fill `TCPProcess.runtime`.
    mutating func process(
        _ pid: Int32,
        _ command: String,
        openFiles: Int = 50,
        limit: UInt64? = 1024,
        hard: UInt64? = 4096,
        runtime: Runtime? = nil,
        server: String? = nil,
        parent: Int32 = 1
    ) {
        processes[pid] = TCPProcess(
            pid: pid,
            command: command,
            openFiles: openFiles,
            fileLimitSoft: limit,
            fileLimitHard: hard,
            netns: netns,
            parentPID: parent,
            runtime: runtime.map { RuntimeIdentity(runtime: $0, server: server, evidence: "test") }
        )
    }

    /// Adds a listener on `port` held by `pids`.
    mutating func listener(
        port: UInt16,
        pids: [Int32],
        queued: UInt32 = 0,
        backlog: UInt32 = 128,
        address: String = "0.0.0.0"
    ) {
        add(
            1,
            .listen,
            local: address,
            localPort: { _ in port },
            remote: "0.0.0.0",
            remotePort: { _ in 0 },
            recvQ: { _ in queued },
            sendQ: backlog,
            pids: pids
        )
    }

    /// Adds `count` sockets; ports and Recv-Q may vary with the socket's index.
    mutating func add(
        _ count: Int,
        _ state: TCPState,
        local: String = "10.0.0.5",
        localPort: (Int) -> UInt16 = { UInt16(40_000 + $0) },
        remote: String = "10.0.0.9",
        remotePort: (Int) -> UInt16 = { _ in 8080 },
        recvQ: (Int) -> UInt32 = { _ in 0 },
        sendQ: UInt32 = 0,
        pids: [Int32] = [],
        orphan: Bool = false,
        info: TCPInfoSummary? = nil,
        timer: SocketTimer? = nil
    ) {
        let localAddress = IPAddress(local) ?? .ipv4Any
        let remoteAddress = IPAddress(remote) ?? .ipv4Any
        for index in 0..<count {
            var inode: UInt64 = 0
            if !orphan {
                nextInode += 1
                inode = nextInode
                for pid in pids {
                    let fd = nextFD[pid, default: 3]
                    nextFD[pid] = fd + 1
                    owners[inode, default: []].append(SocketOwner(pid: pid, fd: fd))
                }
            }
            sockets.append(
                SocketRecord(
                    state: state,
                    local: Endpoint(address: localAddress, port: localPort(index)),
                    remote: Endpoint(address: remoteAddress, port: remotePort(index)),
                    recvQ: recvQ(index),
                    sendQ: sendQ,
                    inode: inode,
                    timer: timer,
                    netns: netns,
                    tcpInfo: info
                )
            )
        }
    }

    /// Adds `count` socket fds of `pid` whose socket is in no table.
    mutating func dead(_ count: Int, pid: Int32) {
        for _ in 0..<count {
            nextInode += 1
            let fd = nextFD[pid, default: 3]
            nextFD[pid] = fd + 1
            deadSocketFDs.append(
                DeadSocketFD(owner: SocketOwner(pid: pid, fd: fd), inode: nextInode, protocolName: "TCP")
            )
        }
    }

    var snapshot: Snapshot {
        Snapshot(
            takenAt: 1_700_000_000,
            sockets: sockets,
            namespaces: [NetworkNamespace(inode: Self.hostNamespace, isHost: true)],
            owners: SocketOwnerTable(owners),
            processes: processes,
            deadSocketFDs: deadSocketFDs,
            coverage: coverage
        )
    }

    /// The rule input, with `facts` for the host namespace and `overrides` on the thresholds.
    func input(host: HostFacts = HostFacts(), overrides: [String: Double] = [:]) -> DiagnosisInput {
        var thresholds = Thresholds()
        for (name, value) in overrides {
            guard let key = ThresholdKey(rawValue: name) else { preconditionFailure("unknown threshold \(name)") }
            thresholds.set(key, to: value)
        }
        var host = host
        host.namespaces[Self.hostNamespace] = facts
        return DiagnosisInput(snapshot: snapshot, host: host, thresholds: thresholds)
    }
}

extension Finding {
    /// The evidence value under `key`, if any.
    subscript(evidence key: String) -> EvidenceValue? { evidence.first { $0.key == key }?.value }

    /// The integer evidence under `key`, if any.
    func integer(_ key: String) -> Int64? {
        if case .integer(let value) = self[evidence: key] { return value }
        return nil
    }

    /// The text evidence under `key`, if any.
    func text(_ key: String) -> String? {
        if case .text(let value) = self[evidence: key] { return value }
        return nil
    }

    /// The sysctl names quoted in `kernel_settings`.
    var quotedSettings: [String] {
        guard case .list(let items) = self[evidence: "kernel_settings"] else { return [] }
        return items.compactMap { item in
            guard case .object(let fields) = item,
                case .text(let name) = fields.first(where: { $0.key == "sysctl" })?.value
            else { return nil }
            return name
        }
    }

    /// Every remedy and the why, joined, for searching text.
    var allText: String { ([summary, why] + remedies).joined(separator: "\n") }
}
