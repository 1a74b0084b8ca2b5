import ArgumentParser
import TCPDoctorCore
import TCPDoctorLinux

/// Which network namespaces to read: `--netns`, shared by every live command (`serve` too).
struct NamespaceOptions: ParsableArguments {
    @Option(
        name: .customLong("netns"),
        help: ArgumentHelp(
            "Only this network namespace: a name under /var/run/netns, a path to a netns file, a pid inside it, or 'current'.",
            valueName: "NAME|PATH|PID"
        )
    )
    var netns: String?

    /// The namespaces to read, from `--netns`.
    var namespaces: SnapshotRequest.Namespaces {
        guard let netns else { return .all }
        if netns == "current" { return .current }
        if let pid = Int32(netns) { return .pid(pid) }
        if netns.contains("/") { return .path(netns) }
        return .named(netns)
    }
}

/// Which namespaces and processes to look at; shared by the commands that list sockets.
struct SelectionOptions: ParsableArguments {
    @OptionGroup var namespace: NamespaceOptions

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
    var namespaces: SnapshotRequest.Namespaces { namespace.namespaces }

    /// The processes to look at, from `--pid` and `--process`.
    var processes: ProcessSelection { ProcessSelection(pids: pids, names: processNames) }
}

/// `--json` and friends.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (documented in docs/json.md) instead of a table.")
    var json = false
}
