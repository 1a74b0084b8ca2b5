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

    /// The processes to look at, from `--pid` and `--process`.
    var processes: ProcessSelection { ProcessSelection(pids: pids, names: processNames) }
}

/// `--json` and friends.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (documented in docs/json.md) instead of a table.")
    var json = false
}
