import ArgumentParser
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput

extension StateHistogram.Grouping: ExpressibleByArgument {}

/// `tcpdoctor states`: the state histogram, optionally grouped.
struct StatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "states",
        abstract: "Count TCP sockets per state, optionally grouped by process, local port, remote address or netns.",
        // The generated usage lists every option on one line of 126 columns; they are listed below.
        usage: "tcpdoctor states [<options>] [<FILTER> ...]",
        discussion: """
            State names are netstat's. CLOSE_WAIT is its own row and never counted as established \
            (ss -s and SNMP CurrEstab count it as established).
            """
    )

    @OptionGroup var filterArguments: FilterArguments

    @Option(
        name: .customLong("by"),
        help: "Group by: \(StateHistogram.Grouping.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var grouping: StateHistogram.Grouping?

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let filter = filterArguments.filter
        let request = SnapshotRequest(
            states: filter.possibleStates,
            namespaces: selection.namespaces,
            includeOwners: grouping == .process || !selection.processes.isAll,
            findDeadSocketFDs: false
        )
        let snapshot = try SnapshotLoading.read(request)
        let sockets = filterArguments.select(from: snapshot, selection)
        let histogram = StateHistogram(sockets: sockets, in: snapshot, groupedBy: grouping)
        if output.json {
            var json = JSONWriter(OutputBuffer())
            StatesJSONRenderer.writeJSON(histogram, grouping: grouping, snapshot: snapshot, to: &json)
        } else {
            var out = OutputBuffer()
            StatesRenderer.writeTable(histogram, grouping: grouping, style: .forDescriptor(1), to: &out)
            out.flush()
        }
        SnapshotLoading.reportCoverage(snapshot.coverage)
    }
}
