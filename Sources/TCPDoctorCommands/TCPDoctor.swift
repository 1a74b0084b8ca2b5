import ArgumentParser

/// The `tcpdoctor` command and its subcommands.
///
/// Synchronous on purpose: no command awaits anything, and an async root ran every command on a
/// Dispatch worker thread, which cost a thread start and two hand-offs (about 6 ms of waiting per
/// run, measured on `capture` of a small file) before any work began.
///
/// Without a subcommand, `doctor` runs (see `run()`); the root declares no default subcommand.
public struct TCPDoctor: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tcpdoctor",
        abstract: "Find, explain and fix TCP connection-state problems on Linux.",
        discussion: "Without a subcommand, `tcpdoctor` runs `tcpdoctor doctor` with the options given.",
        version: "0.1.0",
        subcommands: [
            DoctorCommand.self, SocketsCommand.self, StatesCommand.self, ExplainCommand.self, LabCommand.self,
            CaptureCommand.self,
        ]
    )

    public init() {}
}

extension TCPDoctor {
    /// Parses the process arguments, runs the chosen command and exits with its code.
    public static func run() {
        main(withDefaultSubcommand(Array(CommandLine.arguments.dropFirst())))
    }

    /// The arguments with `doctor` in front when they name no subcommand, so that `tcpdoctor` and
    /// `tcpdoctor --json` run the doctor; the root's own flags (help, version, completion scripts)
    /// stay the root's.
    ///
    /// Done here rather than with ArgumentParser's `defaultSubcommand`, which built the doctor's
    /// options on every run of every command to learn whether they take the remaining arguments:
    /// 1 to 2 ms of CPU per run (measured on `capture` of a small file).
    static func withDefaultSubcommand(_ arguments: [String]) -> [String] {
        guard let first = arguments.first else { return [defaultSubcommand] }
        let subcommands = configuration.subcommands.compactMap { $0.configuration.commandName }
        if subcommands.contains(first) || first == "help" || rootFlags.contains(first)
            || first.hasPrefix("--generate-completion-script")
        {
            return arguments
        }
        return [defaultSubcommand] + arguments
    }

    /// The subcommand that runs when none is named.
    static var defaultSubcommand: String { "doctor" }

    /// ArgumentParser's flags of the root command.
    private static var rootFlags: Set<String> {
        ["-h", "--help", "-help", "--help-hidden", "-help-hidden", "--version", "--experimental-dump-help"]
    }
}
