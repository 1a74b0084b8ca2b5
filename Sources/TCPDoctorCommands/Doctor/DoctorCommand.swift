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
            --list-thresholds and changed with --threshold KEY=VALUE. --config prints, instead of the \
            report, the configuration files that address the findings (a systemd LimitNOFILE= drop-in, \
            limits.d, sysctl.d) and writes them only with --write DIR; its status is 0, or 12 when a \
            file could not be written or a different one is in the way.
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

    @Flag(
        help:
            "Print the configuration that addresses the findings (systemd drop-ins, limits.d, sysctl.d) instead of the report."
    )
    var config = false

    @Option(
        help: ArgumentHelp(
            "With --config, write the files under DIR (DIR/etc/...; `/` puts them in place); never over a different file.",
            valueName: "DIR"
        )
    )
    var write: String?

    @Flag(help: "List the rules and exit.")
    var listRules = false

    @Flag(help: "List the thresholds with their defaults and exit.")
    var listThresholds = false

    func validate() throws {
        _ = try thresholds()
        if write != nil && !config { throw ValidationError("--write DIR writes what --config proposes; add --config.") }
        if let write, write.isEmpty { throw ValidationError("--write needs a directory.") }
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
        if config { return try writeConfiguration(findings, input: input) }
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

    /// `--config`: the advice for `findings`, and with `--write` the files written and what
    /// happened to each.
    private func writeConfiguration(_ findings: [Finding], input: DiagnosisInput) throws {
        var out = OutputBuffer()
        let pids = findings.flatMap { $0.processes.map(\.pid) }
        let advice = ConfigurationAdvice.advise(
            findings,
            input: input,
            placements: ProcessPlacementReader.placements(of: pids)
        )
        let outcomes = write.map { ConfigurationWriter.write(advice.files, under: $0) }
        if output.json {
            var json = JSONWriter(out)
            let written = outcomes.map { outcomes in
                zip(advice.files, outcomes).map { file, outcome in
                    var detail: String?
                    if case .failed(let text) = outcome { detail = text }
                    if case .refused = outcome {
                        detail = "a file with other contents is there; compare and merge by hand"
                    }
                    return ConfigurationJSON.Written(
                        path: ConfigurationWriter.destination(file, under: write ?? "/"),
                        outcome: outcome.name,
                        detail: detail
                    )
                }
            }
            ConfigurationJSON.write(advice, written: written, root: write, to: &json)
        } else {
            ConfigurationRenderer.write(
                advice,
                findings: findings.count,
                written: outcomes,
                root: write,
                style: .forDescriptor(1),
                to: &out
            )
            out.flush()
        }
        SnapshotLoading.reportCoverage(input.snapshot.coverage)
        if let outcomes, outcomes.contains(where: { $0 == .refused || $0.name == "failed" }) {
            throw ExitStatus.configurationNotWritten
        }
    }
}
