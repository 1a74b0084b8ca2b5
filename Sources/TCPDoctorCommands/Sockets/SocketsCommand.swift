import ArgumentParser
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput

/// `tcpdoctor sockets [FILTER]`: every TCP socket with all of its owners.
struct SocketsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sockets",
        abstract: "List every TCP socket of every network namespace with all the processes that hold it.",
        // The generated usage lists every option on one line of 149 columns; they are listed below.
        usage: "tcpdoctor sockets [<options>] [<FILTER> ...]",
        discussion: """
            FILTER uses the language of ss: state close-wait, exclude listening, dport = :443, \
            sport >= :8000, dst 10.0.0.0/8, src [::1]:5432, and, or, not, ( ). Quote parentheses \
            for the shell. Examples:

              tcpdoctor sockets state close-wait
              tcpdoctor sockets state established '( dport = :443 or sport = :8000 )'
            """
    )

    @OptionGroup var filterArguments: FilterArguments

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Also show timers and tcp_info: rtt, time since last send, receive and ACK.")
    var info = false

    @Flag(help: "Do not look for owning processes (faster: no /proc walk).")
    var noOwners = false

    @Flag(help: .hidden)
    var procfs = false

    func run() throws {
        let (filter, processes) = (filterArguments.filter, selection.processes)
        let request = SnapshotRequest(
            states: filter.possibleStates,
            namespaces: selection.namespaces,
            includeOwners: !noOwners || !processes.isAll,
            includeInfo: info,
            includeShutdown: info,
            forceProcfs: procfs,
            findDeadSocketFDs: filter == .all
        )
        let snapshot = try SnapshotLoading.read(request)
        let sockets = filterArguments.select(from: snapshot, selection)
        // Dead socket fds have no addresses or state to filter on: they are listed with no filter.
        let dead =
            filter == .all ? snapshot.deadSocketFDs.filter { processes.selects(pid: $0.owner.pid, in: snapshot) } : []
        let unverified =
            filter == .all
            ? snapshot.unverifiedSocketFDs.filter { processes.selects(pid: $0.owner.pid, in: snapshot) } : []
        if output.json {
            var json = JSONWriter(OutputBuffer())
            SocketsJSONRenderer(snapshot: snapshot, includeInfo: info).write(
                sockets,
                dead: dead,
                unverified: unverified,
                to: &json
            )
        } else {
            var out = OutputBuffer()
            SocketsTableRenderer(snapshot: snapshot, includeInfo: info, style: .forDescriptor(1))
                .write(sockets, dead: dead, unverified: unverified, to: &out)
            out.flush()
        }
        SnapshotLoading.reportCoverage(snapshot.coverage)
    }
}
