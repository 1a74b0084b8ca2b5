import TCPDoctorCore

/// `tcpdoctor kill` as a library call: read the host, plan, destroy, dump again, judge.
///
/// A service can do what the command does: `SocketKill.run(request)` returns the same report the
/// command prints.
public enum SocketKill {
    /// What to destroy and whether to act.
    public struct Request: Hashable, Sendable {
        public var filter: SocketFilter
        public var processes: ProcessSelection
        public var namespaces: SnapshotRequest.Namespaces
        /// Lift the refusals (an empty filter, listening sockets).
        public var force: Bool
        /// Send the requests; false for a dry run, which only plans.
        public var act: Bool

        public init(
            filter: SocketFilter,
            processes: ProcessSelection = .all,
            namespaces: SnapshotRequest.Namespaces = .all,
            force: Bool = false,
            act: Bool = false
        ) {
            self.filter = filter
            self.processes = processes
            self.namespaces = namespaces
            self.force = force
            self.act = act
        }
    }

    /// Reads the chosen namespaces with owners, plans, and, when asked and not refused, destroys.
    ///
    /// - Throws: `LinuxError` as `SnapshotReader.read` does, when the host cannot be read. Once
    ///   the plan is made nothing throws: each socket's failure is its outcome.
    public static func run(_ request: Request) throws(LinuxError) -> KillReport {
        let locations = try SnapshotReader.namespaces(request.namespaces)
        let snapshot = try SnapshotReader.read(
            SnapshotRequest(
                states: request.filter.possibleStates,
                namespaces: request.namespaces,
                includeOwners: true,
                findDeadSocketFDs: false
            ),
            in: locations
        )
        let plan = KillPlan(
            snapshot: snapshot,
            filter: request.filter,
            processes: request.processes,
            force: request.force
        )
        guard request.act, plan.refusal == nil else {
            let results = plan.targets.map { KillReport.Result(socket: $0, outcome: .notAttempted) }
            return KillReport(snapshot: snapshot, plan: plan, acted: false, dryRun: !request.act, results: results)
        }
        return execute(plan, snapshot: snapshot, in: locations)
    }

    /// Destroys the plan's targets, namespace by namespace, each through a netlink socket opened
    /// inside it, and judges each reply against a dump of that namespace taken afterwards.
    ///
    /// - Parameters:
    ///   - plan: What to destroy; its refusal is not looked at (the caller decided).
    ///   - snapshot: The snapshot the plan was made from.
    ///   - locations: The namespaces read; a target's namespace missing here is refused.
    public static func execute(_ plan: KillPlan, snapshot: Snapshot, in locations: [NamespaceLocation]) -> KillReport {
        var outcomes = [KillOutcome?](repeating: nil, count: plan.targets.count)
        var unverified: [KillReport.UnverifiedNamespace] = []
        var sent = 0
        var batches = 0
        for netns in plan.namespaces {
            let indices = plan.targets.indices.filter { plan.targets[$0].netns == netns }
            let sockets = indices.map { plan.targets[$0] }
            let pass = destroy(sockets, in: locations.first { $0.namespace.inode == netns })
            sent += pass.requests
            batches += pass.batches
            if let problem = pass.unverified {
                unverified.append(KillReport.UnverifiedNamespace(netns: netns, reason: problem))
            }
            for (position, index) in indices.enumerated() {
                outcomes[index] = KillOutcome.judge(pass.replies[position], for: sockets[position], after: pass.after)
            }
        }
        let results = zip(plan.targets, outcomes).map { socket, outcome in
            KillReport.Result(socket: socket, outcome: outcome ?? .notAttempted)
        }
        return KillReport(
            snapshot: snapshot,
            plan: plan,
            acted: true,
            results: results,
            unverified: unverified,
            requestsSent: sent,
            batches: batches
        )
    }

    /// What happened in one namespace.
    private struct NamespacePass {
        var replies: [DestroyReply]
        var after: KillVerification?
        /// Why `after` is nil, when requests were sent.
        var unverified: String?
        var requests = 0
        var batches = 0
    }

    /// Destroys `sockets` (all of one namespace) and dumps that namespace again.
    private static func destroy(_ sockets: [SocketRecord], in location: NamespaceLocation?) -> NamespacePass {
        func everyone(_ reply: DestroyReply) -> NamespacePass {
            NamespacePass(replies: Array(repeating: reply, count: sockets.count))
        }
        guard let location else {
            return everyone(.failed(nil, reason: "its network namespace was not among those read"))
        }
        let client: SockDiagClient
        do throws(LinuxError) {
            // Our own namespace is the calling thread's: no file to enter.
            let file = location.namespace.isHost ? nil : try location.open()
            client = try SockDiagClient(namespace: file)
        } catch {
            let errno = error.errno.map(KernelErrno.init)
            if error.code == .netlinkUnavailable, let errno { return everyone(.notSupported(errno)) }
            return everyone(
                .failed(errno, reason: "cannot work in network namespace \(location.namespace.label): \(error)")
            )
        }
        let run = client.destroy(sockets)
        var pass = NamespacePass(replies: run.replies, requests: sockets.count, batches: run.batches)
        do throws(LinuxError) {
            pass.after = KillVerification(try redump(client))
        } catch {
            pass.unverified = "the dump after the requests failed: \(error)"
        }
        return pass
    }

    /// Every socket of the client's namespace, every state, no owners: what is really gone.
    private static func redump(_ client: SockDiagClient) throws(LinuxError) -> [SocketRecord] {
        var sockets: [SocketRecord] = []
        let query = SockDiagQuery()
        if let summary = try client.dumpBothFamilies(query, { sockets.append($0) }), !summary.interrupted {
            return sockets
        }
        return try client.records(query).records
    }
}
