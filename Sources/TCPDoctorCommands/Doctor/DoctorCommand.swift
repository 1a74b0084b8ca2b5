import ArgumentParser
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorLinux
import TCPDoctorOutput

extension Finding.Severity: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
}

/// `tcpdoctor doctor`: diagnose this host. Also what `tcpdoctor` runs without arguments.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Diagnose this host: findings with evidence, cause and remedy, most severe first.",
        // The generated usage lists every option on one line of 204 columns; they are listed below.
        usage: "tcpdoctor doctor [<options>]",
        discussion: """
            Exit status: 0 when no finding reaches --fail-on (default: critical), 1 when one does, \
            3 when the system could not be read, 64 for a usage error. Thresholds are listed by \
            --list-thresholds and changed with --threshold KEY=VALUE.
            """
    )

    @OptionGroup var selection: SelectionOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Exit with 1 when a finding is at least this severe: info, warning or critical.")
    var failOn: Finding.Severity = .critical

    @Option(
        name: .customLong("threshold"),
        help: ArgumentHelp("Override a threshold (repeatable), such as close-wait.warning=50.", valueName: "KEY=VALUE")
    )
    var thresholdOverrides: [String] = []

    @Option(name: .customLong("rule"), help: ArgumentHelp("Run only this rule (repeatable).", valueName: "ID"))
    var rules: [String] = []

    @Flag(
        name: .shortAndLong,
        help: "Print every finding in full: all evidence, the whole why, every remedy (JSON always has them)."
    )
    var verbose = false

    @Option(
        help: ArgumentHelp(
            "The history database `tcpdoctor record` writes, for each finding's trend, age and forecast "
                + "(default: /var/lib/tcpdoctor/history.sqlite as root, else under $XDG_STATE_HOME).",
            valueName: "PATH"
        )
    )
    var db: String?

    @Flag(help: "Do not read the history database.")
    var noHistory = false

    @Flag(help: "List the rules and exit.")
    var listRules = false

    @Flag(help: "List the thresholds with their defaults and exit.")
    var listThresholds = false

    func validate() throws {
        _ = try thresholds()
        let known = Set(Doctor.rules.map(\.id))
        for rule in rules where !known.contains(rule) {
            throw ValidationError("unknown rule '\(rule)': expected one of \(known.sorted().joined(separator: ", "))")
        }
    }

    /// The thresholds in force: defaults with the command line's overrides.
    func thresholds() throws -> Thresholds {
        var thresholds = Thresholds()
        for override in thresholdOverrides {
            let parts = override.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError(
                    "--threshold takes KEY=VALUE with a number, such as close-wait.warning=50; got '\(override)'"
                )
            }
            guard let key = ThresholdKey(rawValue: String(parts[0])) else {
                throw ValidationError("unknown threshold '\(parts[0])': see --list-thresholds")
            }
            thresholds.set(key, to: value)
        }
        return thresholds
    }

    func run() throws {
        var out = OutputBuffer()
        if listRules || listThresholds {
            DoctorRenderer.writeLists(rules: listRules, thresholds: listThresholds, to: &out)
            out.flush()
            return
        }
        let thresholds = try thresholds()
        let run: DoctorRun
        do {
            run = try DoctorRun(
                namespaces: selection.namespaces,
                thresholds: thresholds,
                only: rules.isEmpty ? nil : Set(rules),
                processes: selection.processes
            )
        } catch {
            throw CommandFailure(ExitStatus.systemUnreadable, error.description)
        }
        let (input, findings) = (run.input, run.findings)
        let path = db ?? HistoryLocation.defaultPath()
        let history =
            noHistory
            ? DoctorHistory(path: path, status: .disabled)
            : DoctorHistory.read(
                path: path,
                findings: findings,
                processes: input.snapshot.processes,
                now: input.snapshot.takenAt
            )
        if history.status == .unusable, let message = history.message {
            Diagnostics.warn("the history was not used: \(message)")
        }
        if output.json {
            var json = JSONWriter(out)
            DoctorJSONRenderer.write(findings, input: input, failOn: failOn, history: history, to: &json)
        } else {
            DoctorRenderer.writeReport(
                findings,
                input: input,
                style: .forDescriptor(1),
                verbose: verbose,
                history: history,
                to: &out
            )
            out.flush()
        }
        SnapshotLoading.reportCoverage(input.snapshot.coverage)
        if findings.contains(where: { $0.severity >= failOn }) { throw ExitStatus.problemsFound }
    }
}
