import ArgumentParser

/// `tcpdoctor lab`: reproduce classic TCP failures with real processes, and their fixes.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Reproduce classic TCP connection-state failures with real processes and sockets.",
        discussion: """
            Each scenario starts real server and client processes on loopback (port-exhaustion: in a \
            network namespace of its own, as root), prints their pids and ports, and holds them so \
            that `tcpdoctor doctor` and `tcpdoctor sockets` can be tried on them. Ctrl-C (or --hold \
            SECONDS) stops and cleans up every process and namespace. --fixed runs the same workload \
            written correctly.
            """,
        subcommands: [LabListCommand.self, LabRunCommand.self, LabRoleCommand.self]
    )
}
