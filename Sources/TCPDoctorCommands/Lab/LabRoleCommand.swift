import ArgumentParser
import TCPDoctorLab

/// `tcpdoctor lab _role ...`: the entry point of a lab role process. Hidden: only the lab starts it.
struct LabRoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_role",
        abstract: "Run one process of a lab scenario (internal).",
        shouldDisplay: false
    )

    @Argument(parsing: .captureForPassthrough)
    var words: [String] = []

    func run() throws {
        let status = LabRoleMain.run(arguments: words)
        if status != 0 { throw ExitCode(status) }
    }
}
