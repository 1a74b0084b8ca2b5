import ArgumentParser
import Glibc
import TCPDoctorOutput

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
            CaptureCommand.self, WatchCommand.self, RecordCommand.self, HistoryCommand.self,
            ServeCommand.self, KillCommand.self, FreeFDsCommand.self,
        ]
    )

    public init() {}
}

extension TCPDoctor {
    /// Parses the process arguments, runs the chosen command and exits with its code.
    ///
    /// Failures end here: the message goes to standard error and, when `--json` was asked for,
    /// an error document to standard output (`ErrorJSON`), so that `--json` always prints one
    /// document. The signals that stop a command are restored first (`restoreDefaultSignals`).
    public static func run() {
        restoreDefaultSignals()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let json = wantsJSON(arguments)
        do {
            var command = try parseAsRoot(try withDefaultSubcommand(checking: arguments))
            try command.run()
        } catch let failure as CommandFailure {
            Diagnostics.error(failure.message)
            for note in failure.notes { Diagnostics.note(note) }
            if json {
                ErrorJSON.write(
                    code: ExitStatus.name(of: failure.status),
                    message: failure.message,
                    status: failure.status.rawValue
                )
            }
            Self.exit(withError: failure.status)
        } catch {
            let status = exitCode(for: error)
            // Help, version and exit codes a command chose after printing its own output need no document.
            if json && status != .success && !(error is ExitCode) {
                ErrorJSON.write(
                    code: ExitStatus.name(of: status),
                    message: message(for: error),
                    status: status.rawValue
                )
            }
            Self.exit(withError: error)
        }
    }

    /// Whether the arguments ask for JSON: `--json` before any `--` (after which it is a file name).
    static func wantsJSON(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }

    /// Gives SIGPIPE its default action and unblocks the signals that stop a command, so that
    /// `| head` and Ctrl-C end tcpdoctor as they end `cat`.
    ///
    /// SIGPIPE's default action ends the process silently when the reader of its output goes
    /// away (`tcpdoctor sockets --json | head`; status 141 in a shell). A parent can start
    /// tcpdoctor with SIGPIPE ignored (an ignored signal stays ignored across exec): writes then
    /// failed with EPIPE, and tcpdoctor went on building a document nobody reads and printing
    /// warnings after it. A parent can also start it with SIGINT and SIGTERM blocked, as a
    /// process spawned from a thread of Swift's concurrency runtime is (the mask is inherited):
    /// Ctrl-C then stayed pending and never stopped it. SIGINT's disposition is left alone, so
    /// that `nohup` and a shell's background jobs still ignore it.
    static func restoreDefaultSignals() {
        _ = signal(SIGPIPE, SIG_DFL)
        var stopping = sigset_t()
        sigemptyset(&stopping)
        for stop in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&stopping, stop) }
        _ = pthread_sigmask(SIG_UNBLOCK, &stopping, nil)
    }

    /// `withDefaultSubcommand(_:)`, after rejecting a word that names no subcommand where one
    /// is expected (first, or after `lab`).
    ///
    /// - Throws: a usage `CommandFailure` for `tcpdoctor socket` or `tcpdoctor lab lst`, with the
    ///   closest subcommand name, rather than handing the word to the doctor, which takes no such
    ///   argument, or to argument-parser, which only calls it unexpected.
    static func withDefaultSubcommand(checking arguments: [String]) throws -> [String] {
        var command: any ParsableCommand.Type = TCPDoctor.self
        var path = ["tcpdoctor"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-"), word != "help" else { break }
            guard let next = subcommands.first(where: { $0.configuration.commandName == word }) else {
                let names = subcommands.filter { $0.configuration.shouldDisplay }.compactMap {
                    $0.configuration.commandName
                }
                let suggestion = CommandSuggestion.closest(to: word, among: names)
                let parent = path.count > 1 ? " for `\(path.joined(separator: " "))`" : ""
                throw CommandFailure(
                    ExitStatus.usage,
                    "unknown command '\(word)'\(parent)" + (suggestion.map { ": did you mean `\($0)`?" } ?? ""),
                    notes: ["See '\(path.joined(separator: " ")) --help' for the commands."]
                )
            }
            command = next
            path.append(word)
        }
        return withDefaultSubcommand(arguments)
    }

    /// The arguments with `doctor` in front when they begin with an option, so that `tcpdoctor`
    /// and `tcpdoctor --json` run the doctor; the root's own flags (help, version, completion
    /// scripts) stay the root's, and a first word that is not an option is left as it is (a
    /// subcommand, `help`, or a mistake `withDefaultSubcommand(checking:)` reports).
    ///
    /// Done here rather than with ArgumentParser's `defaultSubcommand`, which built the doctor's
    /// options on every run of every command to learn whether they take the remaining arguments:
    /// 1 to 2 ms of CPU per run (measured on `capture` of a small file).
    static func withDefaultSubcommand(_ arguments: [String]) -> [String] {
        guard let first = arguments.first else { return [defaultSubcommand] }
        if !first.hasPrefix("-") || rootFlags.contains(first) || first.hasPrefix("--generate-completion-script") {
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
