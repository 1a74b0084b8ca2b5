import Glibc

/// A scenario that is running: its processes, ports and namespace, until `stop()`.
///
/// The processes hold the failure in place for the doctor to see. `stop()` (also run by
/// `deinit`) closes each role's lifeline so that it cleans up and exits (a forking server kills
/// and reaps its handlers), kills whatever does not leave in time, reaps every process, and
/// deletes the namespace. Not thread-safe: use it from one thread.
public final class RunningLab {
    public let scenario: LabScenario
    public let fixed: Bool
    /// The resolved `--connections`.
    public let connections: Int
    /// Every process of the lab, in start order; handlers last.
    public internal(set) var processes: [LabProcess] = []
    /// The port the server listens on (inside `netns` when there is one).
    public internal(set) var serverPort: UInt16 = 0
    /// What the roles reported: `accepted` and `emfile` (emfile), `connections`, `requests` and
    /// `eaddrnotavail` (port-exhaustion), `resets` (reset-held), `limit`.
    public internal(set) var counts: [String: Int] = [:]
    /// Whether `stop()` has run.
    public private(set) var stopped = false
    /// When the run began, before its first process: every socket of the lab is younger. A
    /// TIME_WAIT toward the lab's port that has run its 60 s for longer than that belongs to an
    /// earlier user of the same port number, not to this run.
    public let startedAt = ContinuousClock.now

    private var children: [LabChild] = []
    private let namespace: LabNamespace?

    init(scenario: LabScenario, fixed: Bool, connections: Int, namespace: LabNamespace?) {
        self.scenario = scenario
        self.fixed = fixed
        self.connections = connections
        self.namespace = namespace
    }

    deinit { stop() }

    /// The name of the lab's network namespace (`/var/run/netns/NAME`), if it has one.
    public var netns: String? { namespace?.name }

    /// The inode of the lab's network namespace, if it has one: `netns` in tcpdoctor's JSON.
    public var netnsInode: UInt64? { namespace?.inode }

    /// The pids of the processes playing `role`.
    public func pids(of role: LabScenario.Role) -> [Int32] {
        processes.filter { $0.role == role }.map(\.pid)
    }

    /// The sockets this run must show (see `LabScenario.expectations`).
    public var expectations: [LabExpectation] {
        scenario.expectations(connections: connections, fixed: fixed, counts: counts)
    }

    /// tcpdoctor commands that show the result.
    public var inspectCommands: [String] { scenario.inspectCommands(port: serverPort, netns: netns) }

    func adopt(_ child: LabChild) {
        children.append(child)
        processes.append(LabProcess(role: child.role, pid: child.pid, command: child.command))
    }

    /// Stops every process and deletes the namespace. Idempotent.
    ///
    /// Clients go first, then the server, so that no role sees its peer vanish mid-step; each
    /// gets two seconds to leave after its lifeline closes before SIGKILL.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        for child in children.reversed() { child.terminate(grace: .seconds(2)) }
        children = []
        namespace?.delete()
    }

    /// Descriptors that become readable when a role exits, for `hold`.
    var exitDescriptors: [(Int32, LabProcess)] {
        children.map { child in
            (child.reportDescriptor, LabProcess(role: child.role, pid: child.pid, command: child.command))
        }
    }

    /// Reads whatever a role printed, returning false when it has exited.
    func drainReports(of pid: Int32) -> Bool {
        guard let child = children.first(where: { $0.pid == pid }) else { return false }
        let open = (try? child.readAvailable()) == true
        while child.takeLine() != nil {}
        return open
    }
}
