/// What `tcpdoctor kill` would destroy: the sockets of a snapshot that a filter and a process
/// selection match, or why it refuses to destroy anything.
///
/// A pure value, so that the choice (and the refusals that protect a host from a careless filter)
/// is tested without a kernel. Executing it is `TCPDoctorLinux`'s `SocketKill`.
public struct KillPlan: Hashable, Sendable {
    /// Why the plan destroys nothing unless forced.
    public enum Refusal: Hashable, Sendable {
        /// No filter and no process selection: every TCP socket of the host would go.
        case emptyFilter
        /// The filter matches listening sockets (`count` of them): destroying one stops its
        /// service from accepting connections until it is restarted.
        case listening(count: Int)

        /// The code JSON gives the refusal: `empty_filter` or `listening`.
        public var code: String {
            switch self {
            case .emptyFilter: "empty_filter"
            case .listening: "listening"
            }
        }

        /// The sentence for people, with what to do instead.
        public var message: String {
            switch self {
            case .emptyFilter:
                "refusing to destroy every TCP socket of the host: give a filter (such as `state close-wait`) "
                    + "or --pid/--process, or add --force"
            case .listening(let count):
                "refusing to destroy \(count) listening socket\(count == 1 ? "" : "s"): a destroyed listener "
                    + "accepts no more connections until its service restarts; narrow the filter "
                    + "(`exclude listening`, `state close-wait`) or add --force"
            }
        }
    }

    /// The sockets to destroy, in snapshot order.
    public var targets: [SocketRecord]
    /// Why nothing is destroyed; nil when the plan may be carried out.
    public var refusal: Refusal?
    /// Whether `--force` was given (it lifts the refusals).
    public var forced: Bool

    public init(targets: [SocketRecord], refusal: Refusal?, forced: Bool) {
        self.targets = targets
        self.refusal = refusal
        self.forced = forced
    }

    /// The sockets of `snapshot` that `filter` and `processes` select.
    ///
    /// - Parameters:
    ///   - snapshot: What was read (owners are needed for `processes`).
    ///   - filter: The ss-style filter.
    ///   - processes: Only sockets held by these processes.
    ///   - force: Lift the refusals (an empty filter, listening sockets).
    public init(snapshot: Snapshot, filter: SocketFilter, processes: ProcessSelection, force: Bool) {
        let targets = snapshot.sockets.filter { filter.matches($0) && processes.holds($0, in: snapshot) }
        var refusal: Refusal?
        if !force {
            let listening = targets.count { $0.state == .listen }
            if filter == .all && processes.isAll {
                refusal = .emptyFilter
            } else if listening > 0 {
                refusal = .listening(count: listening)
            }
        }
        self.init(targets: targets, refusal: refusal, forced: force)
    }

    /// The namespaces that hold a target, in the order their first target appears.
    public var namespaces: [UInt64] {
        var seen = Set<UInt64>()
        return targets.compactMap { seen.insert($0.netns).inserted ? $0.netns : nil }
    }
}
