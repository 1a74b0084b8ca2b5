import ArgumentParser
import Glibc
import TCPDoctorLab
import TCPDoctorOutput

/// `tcpdoctor lab run SCENARIO`: starts a scenario, prints what it did, holds, cleans up.
struct LabRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a lab scenario and hold it until Ctrl-C (or --hold SECONDS), then clean up.",
        // The generated usage is 103 columns wide; the options are listed below.
        usage: "tcpdoctor lab run [<options>] <SCENARIO>",
        discussion: """
            The processes stay up while the lab holds, so that `tcpdoctor doctor` and `tcpdoctor \
            sockets` can be run against them from another terminal. Ctrl-C, SIGTERM or the end of \
            --hold stops every process and deletes the scenario's namespace; the processes also die \
            if this command is killed. `tcpdoctor lab list` shows the scenarios.

            Exit status: 0 when --hold ran out, 128 + the signal after a signal (130 for Ctrl-C), \
            5 when the scenario could not be set up or a process exited on its own, 64 for a usage \
            error.

            """ + connectionsHelp
    )

    /// What `--connections` means, as paragraphs: one for the scenarios where it is the number of
    /// connections the clients open, with their defaults, and one for each of the others.
    ///
    /// Paragraphs rather than a line per scenario: the lines with a meaning of their own are
    /// longer than 80 columns and argument-parser would wrap them into the left margin.
    static var connectionsHelp: String {
        let common = "how many connections the clients open"
        let usual = LabScenario.all.filter { $0.connectionsMeaning.hasPrefix(common) }
        let others = LabScenario.all.filter { !$0.connectionsMeaning.hasPrefix(common) }
        let defaults = usual.map { "\($0.id) \($0.defaultConnections)\($0.connectionsMeaning.dropFirst(common.count))" }
        let paragraphs =
            ["--connections is \(common); the defaults are \(defaults.joined(separator: ", "))."]
            + others.map {
                "For \($0.id), --connections is \($0.connectionsMeaning) (default \($0.defaultConnections))."
            }
        return paragraphs.joined(separator: "\n\n")
    }

    @Argument(help: ArgumentHelp("The scenario to run (see `tcpdoctor lab list`).", valueName: "SCENARIO"))
    var scenarioName: String

    @Option(help: "Connections to open; some scenarios give it their own meaning (see below).")
    var connections: Int?

    @Option(
        help: ArgumentHelp(
            "Hold for this many seconds (at least 1), then clean up. Default: until Ctrl-C.",
            valueName: "SECONDS"
        )
    )
    var hold: Int?

    @Flag(help: "Run the same workload written correctly.")
    var fixed = false

    @Option(
        help: ArgumentHelp(
            "Connections per second the client opens, for a leak that grows at a known pace (close-wait-*, "
                + "emfile, reset-held). Default: as fast as it can.",
            valueName: "PER_SECOND"
        )
    )
    var rate: Double?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        let scenario: LabScenario
        do {
            scenario = try LabScenario.named(scenarioName)
        } catch {
            throw ValidationError(error.description)
        }
        if let hold, hold < 1 {
            throw ValidationError(
                "--hold must be at least 1 second: the processes must stay up for the doctor to see them"
            )
        }
        do {
            let options = LabOptions(connections: connections, rate: rate)
            _ = try options.resolvedConnections(for: scenario)
            try options.checkRate(for: scenario)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let scenario: LabScenario
        let lab: RunningLab
        do {
            scenario = try LabScenario.named(scenarioName)
            // Before the lab exists: a Ctrl-C from now on is handled, never the default death.
            try LabSignals.install()
            lab = try LabRun.start(scenario, options: LabOptions(connections: connections, fixed: fixed, rate: rate))
        } catch {
            let notes = error.code == .needsRoot ? ["Run it as root: `sudo tcpdoctor lab run \(scenarioName)`."] : []
            throw CommandFailure(ExitStatus.labFailed, error.description, notes: notes)
        }
        if output.json {
            var json = JSONWriter(OutputBuffer())
            LabJSON.writeRun(lab, to: &json)
        } else {
            var out = OutputBuffer()
            LabSummaryRenderer(style: .forDescriptor(1)).write(lab, to: &out)
            out.flush()
        }
        let holding = hold.map { "for \($0) s" } ?? "until Ctrl-C"
        Diagnostics.note("Holding \(holding); tcpdoctor doctor in another terminal shows it.")

        // From here on the run's document is out: failures are told on standard error only, and
        // end with a bare exit status, so that standard output keeps exactly one document.
        let ending: RunningLab.HoldEnding
        do {
            ending = try lab.hold(for: hold.map { .seconds($0) })
        } catch {
            lab.stop()
            Diagnostics.error(error.description)
            throw ExitStatus.labFailed
        }
        lab.stop()
        let cleaned = lab.netns.map { "; namespace \($0) deleted" } ?? ""
        switch ending {
        case .elapsed:
            Diagnostics.note("Stopped \(lab.processes.count) processes\(cleaned).")
        case .signal(let signal):
            // Cleaned up, then the status of a command the signal stopped: 130 for Ctrl-C.
            Diagnostics.note("Stopped \(lab.processes.count) processes\(cleaned).")
            throw ExitStatus.stopped(by: signal)
        case .roleExited(let process):
            Diagnostics.error(
                "the \(process.role.rawValue) \(process.command) (pid \(process.pid)) exited on its own; stopped the rest\(cleaned)."
            )
            throw ExitStatus.labFailed
        }
    }
}
