import ArgumentParser

/// The `tcpdoctor` command and its subcommands.
///
/// Synchronous on purpose: no command awaits anything, and an async root ran every command on a
/// Dispatch worker thread, which cost a thread start and two hand-offs (about 6 ms of waiting per
/// run, measured on `capture` of a small file) before any work began.
public struct TCPDoctor: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tcpdoctor",
        abstract: "Find, explain and fix TCP connection-state problems on Linux.",
        version: "0.1.0",
        subcommands: [
            DoctorCommand.self, SocketsCommand.self, StatesCommand.self, ExplainCommand.self, LabCommand.self,
            CaptureCommand.self,
        ],
        defaultSubcommand: DoctorCommand.self
    )

    public init() {}
}

extension TCPDoctor {
    /// Parses the process arguments, runs the chosen command and exits with its code.
    public static func run() {
        main()
    }
}
