import TCPDoctorLab
import TCPDoctorOutput

/// The text a person reads after `lab run`: what ran, its processes, what to expect and how to see it.
struct LabSummaryRenderer {
    let style: TerminalStyle

    func write(_ lab: RunningLab, to out: inout OutputBuffer) {
        let scenario = lab.scenario
        out.write(style.bold("\(scenario.id)\(lab.fixed ? " --fixed" : ""): \(scenario.title)") + "\n")
        out.write((lab.fixed ? "Fixed: " + scenario.fix : scenario.reproduces) + "\n\n")

        var table = TextTable([.left("ROLE"), .right("PID"), .left("COMMAND")])
        for process in lab.processes { table.append([process.role.rawValue, "\(process.pid)", process.command]) }
        table.write(to: &out, style: style)
        out.write("\n")

        out.write("server      127.0.0.1:\(lab.serverPort)\(lab.netns.map { " in network namespace \($0)" } ?? "")\n")
        let culprits = lab.pids(of: scenario.culprit).map(String.init).joined(separator: ", ")
        let rule =
            lab.fixed
            ? "none from \(scenario.expectedRule)"
            : "\(scenario.expectedRule) on the \(scenario.culprit.rawValue) (pid \(culprits))"
        out.write("doctor      \(rule)\n\n")
        for line in lab.outcome { out.write(line + "\n") }
        out.write("\nSee it with:\n")
        for command in lab.inspectCommands { out.write("  " + style.cyan(command) + "\n") }
    }
}
