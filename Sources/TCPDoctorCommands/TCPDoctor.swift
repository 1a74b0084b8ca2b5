import ArgumentParser

/// The `tcpdoctor` command and its subcommands.
public struct TCPDoctor: AsyncParsableCommand {
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
    public static func run() async {
        await main()
    }
}
