import Foundation
import Testing

@testable import TCPDoctorCommands

/// `tcpdoctor` without a subcommand runs the doctor: the arguments get `doctor` in front unless
/// they name a subcommand or one of the root's own flags.
struct DefaultSubcommandTests {
    @Test(arguments: [
        ([], ["doctor"]),
        (["--json"], ["doctor", "--json"]),
        (["--netns", "capture"], ["doctor", "--netns", "capture"]),
        (["-x"], ["doctor", "-x"]),
    ])
    func argumentsWithoutSubcommandGoToTheDoctor(arguments: [String], expected: [String]) {
        #expect(TCPDoctor.withDefaultSubcommand(arguments) == expected)
    }

    @Test(arguments: [
        ["capture", "a.pcap"], ["doctor", "--json"], ["lab", "list"], ["explain"], ["help", "capture"],
        ["--help"], ["-h"], ["-help"], ["--version"], ["--experimental-dump-help"],
        ["--generate-completion-script", "bash"], ["--generate-completion-script=zsh"],
    ])
    func subcommandsAndRootFlagsStayAsGiven(arguments: [String]) {
        #expect(TCPDoctor.withDefaultSubcommand(arguments) == arguments)
    }

    /// Every subcommand the root help lists is taken as one, not handed to the doctor.
    @Test func everyListedSubcommandIsRecognised() throws {
        let run = try runTCPDoctor(["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("runs `tcpdoctor doctor`"))
        let listing = try #require(run.stdout.components(separatedBy: "SUBCOMMANDS:").last)
        // The list ends at the first empty line.
        let lines = listing.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            .prefix { !$0.isEmpty }
        let names = lines.compactMap { line -> String? in
            // A subcommand's line starts with two spaces and its name; continuation lines with more.
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        #expect(names.count == 6, "\(names)")
        for name in names { #expect(TCPDoctor.withDefaultSubcommand([name]) == [name]) }
    }
}
