/// Which processes to look at (`--pid`, `--process`): every process when empty.
///
/// A socket is selected when one of its holders is; a finding when one of its processes is.
public struct ProcessSelection: Hashable, Sendable {
    /// Processes selected by pid.
    public var pids: Set<Int32>
    /// Processes selected by name: the kernel's command name, or argv[0] with or without its directory.
    public var names: [String]

    public init(pids: some Sequence<Int32> = [], names: [String] = []) {
        self.pids = Set(pids)
        self.names = names
    }

    /// Every process.
    public static let all = ProcessSelection()

    /// Whether this selects every process.
    public var isAll: Bool { pids.isEmpty && names.isEmpty }

    /// Whether process `pid` of `snapshot` is selected (always true for `all`).
    public func selects(pid: Int32, in snapshot: Snapshot) -> Bool {
        guard !isAll else { return true }
        if pids.contains(pid) { return true }
        guard !names.isEmpty, let process = snapshot.processes[pid] else { return false }
        return names.contains { Self.name($0, names: process) }
    }

    /// Whether `socket` is held by a selected process (always true for `all`).
    public func holds(_ socket: SocketRecord, in snapshot: Snapshot) -> Bool {
        guard !isAll else { return true }
        return snapshot.owners(of: socket).contains { selects(pid: $0.pid, in: snapshot) }
    }

    /// The findings about a selected process, their links re-resolved; all of them for `all`.
    public func findings(_ findings: [Finding], in snapshot: Snapshot) -> [Finding] {
        guard !isAll else { return findings }
        let kept = findings.filter { finding in finding.processes.contains { selects(pid: $0.pid, in: snapshot) } }
        return FindingLinks.resolve(kept)
    }

    /// Whether `name` names `process`: its comm, its argv[0], or argv[0]'s last path component.
    ///
    /// argv[0] is taken whole from the argument array, so a program path with spaces matches, and
    /// a name longer than comm's 15 bytes still matches through argv[0].
    public static func name(_ name: String, names process: TCPProcess) -> Bool {
        if name == process.command { return true }
        guard let program = process.argv.first, !program.isEmpty else { return false }
        return name == program || name[...] == program.split(separator: "/").last
    }
}
