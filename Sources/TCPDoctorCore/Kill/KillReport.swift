/// What `tcpdoctor kill` did: the plan, one outcome per socket, and what the dump after it showed.
public struct KillReport: Sendable {
    /// One socket of the plan and what became of it.
    public struct Result: Hashable, Sendable {
        /// The socket as the snapshot saw it.
        public var socket: SocketRecord
        public var outcome: KillOutcome

        public init(socket: SocketRecord, outcome: KillOutcome) {
            self.socket = socket
            self.outcome = outcome
        }
    }

    /// A namespace whose sockets could not be dumped after the requests: its outcomes rest on
    /// the kernel's answers alone.
    public struct UnverifiedNamespace: Hashable, Sendable {
        public var netns: UInt64
        public var reason: String

        public init(netns: UInt64, reason: String) {
            self.netns = netns
            self.reason = reason
        }
    }

    /// The snapshot the plan was made from (owners, processes, namespaces).
    public var snapshot: Snapshot
    public var plan: KillPlan
    /// Whether requests were sent (`--yes` and no refusal).
    public var acted: Bool
    /// Whether the caller asked for a dry run (no `--yes`), refused or not.
    public var dryRun: Bool
    /// One per target, in the plan's order.
    public var results: [Result]
    /// Namespaces whose dump after the requests failed.
    public var unverified: [UnverifiedNamespace]
    /// Requests sent, and the `sendmsg` batches that carried them.
    public var requestsSent: Int
    public var batches: Int

    public init(
        snapshot: Snapshot,
        plan: KillPlan,
        acted: Bool,
        dryRun: Bool? = nil,
        results: [Result],
        unverified: [UnverifiedNamespace] = [],
        requestsSent: Int = 0,
        batches: Int = 0
    ) {
        self.snapshot = snapshot
        self.plan = plan
        self.acted = acted
        self.dryRun = dryRun ?? !acted
        self.results = results
        self.unverified = unverified
        self.requestsSent = requestsSent
        self.batches = batches
    }

    /// How many sockets had each outcome, by `KillOutcome.code`, every code present.
    public var totals: [(code: String, count: Int)] {
        let codes = ["destroyed", "already_gone", "replaced", "refused", "not_supported", "survived", "not_attempted"]
        var counts: [String: Int] = [:]
        for result in results { counts[result.outcome.code, default: 0] += 1 }
        return codes.map { ($0, counts[$0] ?? 0) }
    }

    /// Whether every socket asked for is gone (vacuously true for an empty plan).
    public var everyTargetGone: Bool { results.allSatisfy(\.outcome.isGone) }

    /// Sockets the kernel destroyed whose fds are still open in their owners: each is now a
    /// dead-socket fd, until its owner closes it.
    public var orphanedDescriptors: Int {
        results.reduce(0) { count, result in
            guard result.outcome == .destroyed else { return count }
            return count + snapshot.owners(of: result.socket).count
        }
    }

    /// What a destroyed socket leaves behind, said plainly: printed after every kill that destroyed one.
    public static let descriptorNote =
        "A destroyed socket's file descriptor stays open in the process that holds it: the process sees "
        + "ECONNABORTED at its next read or write, and until it closes the fd, the fd is a dead-socket fd "
        + "(`tcpdoctor doctor` reports it as dead-socket-fds). Only `tcpdoctor free-fds --pid PID` "
        + "or a restart of that process gives the fd back."
}
