import ArgumentParser
import TCPDoctorCore
import TCPDoctorLinux

/// Which namespaces and processes to look at; shared by every live command.
struct SelectionOptions: ParsableArguments {
    @Option(
        name: .customLong("netns"),
        help: ArgumentHelp(
            "Only this network namespace: a name under /var/run/netns, a path to a netns file, a pid inside it, or 'current'.",
            valueName: "NAME|PATH|PID"
        )
    )
    var netns: String?

    @Option(name: .customLong("pid"), help: "Only sockets held by this process (repeatable).")
    var pids: [Int32] = []

    @Option(
        name: .customLong("process"),
        help: ArgumentHelp(
            "Only sockets held by processes with this name (repeatable): the kernel's command name, or argv[0] with or without its directory.",
            valueName: "NAME"
        )
    )
    var processNames: [String] = []

    /// The namespaces to read, from `--netns`.
    var namespaces: SnapshotRequest.Namespaces {
        guard let netns else { return .all }
        if netns == "current" { return .current }
        if let pid = Int32(netns) { return .pid(pid) }
        if netns.contains("/") { return .path(netns) }
        return .named(netns)
    }

    /// Whether a process selection was given, which needs the owner scan.
    var selectsProcesses: Bool { !pids.isEmpty || !processNames.isEmpty }

    /// Whether `socket` is held by a selected process (always true without a selection).
    func holds(_ socket: SocketRecord, in snapshot: Snapshot) -> Bool {
        guard selectsProcesses else { return true }
        return snapshot.owners(of: socket).contains { selects(pid: $0.pid, in: snapshot) }
    }

    func selects(pid: Int32, in snapshot: Snapshot) -> Bool {
        guard selectsProcesses else { return true }
        if pids.contains(pid) { return true }
        guard !processNames.isEmpty, let process = snapshot.processes[pid] else { return false }
        return processNames.contains { Self.names($0, process) }
    }

    /// Whether `name` names `process`: its comm, its argv[0], or argv[0]'s last path component.
    ///
    /// argv[0] is taken whole from the argument array, so a program path with spaces matches, and
    /// a name longer than comm's 15 bytes still matches through argv[0].
    static func names(_ name: String, _ process: TCPProcess) -> Bool {
        if name == process.command { return true }
        guard let program = process.argv.first, !program.isEmpty else { return false }
        return name == program || name[...] == program.split(separator: "/").last
    }
}

/// `--json` and friends.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (documented in docs/json.md) instead of a table.")
    var json = false
}
