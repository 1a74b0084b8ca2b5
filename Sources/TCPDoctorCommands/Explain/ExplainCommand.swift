import ArgumentParser
import TCPDoctorCore
import TCPDoctorOutput

/// `tcpdoctor explain [STATE]`: the TCP state machine, and what a pile of each state means.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract:
            "Explain the TCP state machine, or one state: who gets there, how it leaves, what a pile of it means.",
        discussion: """
            Without STATE: every transition of RFC 9293's state machine with Linux's names and \
            timers, grouped by the part of a connection's life it belongs to. With --format dot: \
            the same as a Graphviz graph:

              tcpdoctor explain --format dot | dot -Tsvg > tcp.svg
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case dot
    }

    @Argument(help: ArgumentHelp("A state: close-wait, CLOSE_WAIT, time-wait...", valueName: "STATE"))
    var stateName: String?

    @Option(help: "Output format without --json: text or dot (Graphviz).")
    var format: Format = .text

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let stateName, TCPState(name: stateName) == nil {
            let known = TCPState.displayed.map(\.ssName).joined(separator: ", ")
            throw ValidationError("unknown state '\(stateName)': expected one of \(known)")
        }
        if format == .dot && stateName != nil {
            throw ValidationError("--format dot draws the whole state machine; leave out STATE")
        }
    }

    func run() throws {
        var out = OutputBuffer()
        let state = stateName.flatMap { TCPState(name: $0) }
        if output.json {
            var json = JSONWriter(out)
            ExplainRenderer.writeJSON(state, to: &json)
            return
        }
        switch (format, state) {
        case (.dot, _):
            out.write(TCPStateMachine.dot())
        case (.text, let state?):
            ExplainRenderer.writeState(StateKnowledge.of(state), style: .forDescriptor(1), to: &out)
        case (.text, nil):
            ExplainRenderer.writeMachine(style: .forDescriptor(1), to: &out)
        }
        out.flush()
    }
}
