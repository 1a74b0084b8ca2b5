import TCPDoctorCore
import TCPDoctorOutput

/// Renders a `StateHistogram` as a table (the JSON is `StatesJSONRenderer`).
enum StatesRenderer {
    static func writeTable(
        _ histogram: StateHistogram,
        grouping: StateHistogram.Grouping?,
        style: TerminalStyle,
        to out: inout OutputBuffer
    ) {
        guard grouping != nil else {
            var table = TextTable([.left("State"), .right("Count")])
            for state in TCPState.displayed {
                guard let count = histogram.counts[state], count > 0 else { continue }
                table.append([state.netstatName, "\(count)"], bold: state == .closeWait)
            }
            table.append(["total", "\(histogram.total)"])
            table.write(to: &out, style: style)
            return
        }
        // One column per state that occurs anywhere, so the matrix stays narrow.
        let states = TCPState.displayed.filter { (histogram.counts[$0] ?? 0) > 0 }
        var table = TextTable([.left(title(grouping))] + states.map { .right($0.netstatName) } + [.right("Total")])
        for group in histogram.groups {
            table.append([group.label] + states.map { "\(group.counts[$0] ?? 0)" } + ["\(group.total)"])
        }
        table.append(["total"] + states.map { "\(histogram.counts[$0] ?? 0)" } + ["\(histogram.total)"])
        table.write(to: &out, style: style)
    }

    private static func title(_ grouping: StateHistogram.Grouping?) -> String {
        switch grouping {
        case .process: "Process"
        case .localPort: "Local port"
        case .remote: "Remote address"
        case .netns: "Netns"
        case nil: "State"
        }
    }
}
