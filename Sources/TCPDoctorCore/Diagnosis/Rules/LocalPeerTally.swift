/// Who holds the other ends of a group of sockets, where they are on this host (`LocalPeerIndex`).
///
/// The FIN_WAIT2 and CLOSE_WAIT rules use it so that a finding about one end of local
/// connections names the process at the other end, and the finding made about it.
struct LocalPeerTally {
    /// The holder of some other ends: a process, or none visible (orphaned or unseen).
    struct Holder: Hashable, Comparable {
        var netns: UInt64
        /// The first owner's pid; nil when the socket has no visible owner.
        var pid: Int32?
        /// Whether the other end has no file (inode 0): its application has closed it.
        var orphaned: Bool
        /// How the rule about the other end groups it (see `PeerTarget`).
        var target: PeerTarget
        var state: TCPState

        static func < (a: Holder, b: Holder) -> Bool { (a.pid ?? -1, a.netns) < (b.pid ?? -1, b.netns) }
    }

    private(set) var holders: [Holder: Int] = [:]
    /// Sockets of the group whose other end is not on this host (or was not seen).
    private(set) var remote = 0

    /// Whether any other end is on this host.
    var isEmpty: Bool { holders.isEmpty }

    /// Counts the other end of `socket`, looked up in `index`.
    mutating func add(_ socket: SocketRecord, index: LocalPeerIndex, listeners: ListenerIndex, snapshot: Snapshot) {
        guard let peer = index.peer(of: socket) else {
            remote += 1
            return
        }
        let holder = Holder(
            netns: peer.netns,
            pid: snapshot.owners(of: peer).first?.pid,
            orphaned: peer.inode == 0,
            target: listeners.target(of: peer),
            state: peer.state
        )
        holders[holder, default: 0] += 1
    }

    /// The processes holding other ends, each once, lowest pid first.
    func processes(_ input: DiagnosisInput) -> [Finding.Process] {
        input.findingProcesses(holders.keys.compactMap(\.pid))
    }

    /// The `local_peers` evidence: per holder, its pid and command (when seen), state and count.
    func evidence(_ input: DiagnosisInput) -> EvidenceField {
        var items: [EvidenceValue] = []
        for (holder, count) in holders.sorted(by: { $0.key < $1.key }) {
            var fields: [EvidenceField] = []
            if let pid = holder.pid {
                fields.append(EvidenceField("pid", .integer(Int64(pid))))
                fields.append(EvidenceField("command", .text(input.findingProcess(pid).command)))
            } else {
                fields.append(EvidenceField("holder", .text(holder.orphaned ? "orphaned" : "not seen")))
            }
            fields.append(EvidenceField("state", .text(holder.state.netstatName)))
            fields.append(EvidenceField("count", .integer(Int64(count))))
            if let namespace = input.findingNamespace(holder.netns) {
                // The inode for machines, the label for people: the same pair as a finding's.
                fields.append(EvidenceField("netns", .integer(Int64(bitPattern: namespace.inode))))
                fields.append(EvidenceField("netns_label", .text(namespace.label)))
            }
            items.append(.object(fields))
        }
        return EvidenceField("local_peers", .list(items))
    }

    /// `lab-srv (pid 4121)`, `2 orphaned sockets` ...: who holds the other ends, for a sentence.
    func describeHolders(_ input: DiagnosisInput) -> String {
        var parts = processes(input).map(describe)
        let orphaned = holders.filter { $0.key.pid == nil && $0.key.orphaned }.values.reduce(0, +)
        let unseen = holders.filter { $0.key.pid == nil && !$0.key.orphaned }.values.reduce(0, +)
        if orphaned > 0 { parts.append("\(counted(orphaned, "orphaned socket")) (closed by their application)") }
        if unseen > 0 { parts.append("\(counted(unseen, "socket")) whose holder was not seen") }
        return sentenceList(parts)
    }

    /// The ids of the findings `rule` would make about the other ends (see `FindingID`).
    func relatedIDs(_ rule: String, input: DiagnosisInput, withHolder: Bool) -> [String] {
        var ids: [String] = []
        for holder in holders.keys.sorted() {
            // The CLOSE_WAIT rule's holders: a pid, a connection still in the accept queue, or unseen.
            var queued = false
            if holder.orphaned, case .listeningPort = holder.target { queued = true }
            let subject = withHolder ? holder.pid.map { "\($0)" } ?? (queued ? "not-accepted" : "unknown") : nil
            let place = FindingID.place(holder.target)
            let id = input.findingID(rule, subject: subject, place: place, netns: holder.netns)
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }
}
