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

    /// Only options go to the doctor: a first word that is not one is a subcommand or a mistake.
    @Test(arguments: [["socket"], ["socket", "--json"], ["frobnicate"], ["state", "close-wait"]])
    func wordsThatAreNotOptionsStayAsGiven(arguments: [String]) {
        #expect(TCPDoctor.withDefaultSubcommand(arguments) == arguments)
    }

    @Test func mistypedSubcommandIsAUsageErrorWithASuggestion() throws {
        #expect {
            try TCPDoctor.withDefaultSubcommand(checking: ["socket", "--json"])
        } throws: { error in
            let failure = error as? CommandFailure
            return failure?.status == ExitStatus.usage
                && failure?.message == "unknown command 'socket': did you mean `sockets`?"
        }
        #expect(try TCPDoctor.withDefaultSubcommand(checking: ["--json"]) == ["doctor", "--json"])
        #expect(try TCPDoctor.withDefaultSubcommand(checking: ["sockets"]) == ["sockets"])
        #expect(try TCPDoctor.withDefaultSubcommand(checking: ["help", "sockets"]) == ["help", "sockets"])
        #expect(try TCPDoctor.withDefaultSubcommand(checking: ["lab", "list"]) == ["lab", "list"])
        #expect(try TCPDoctor.withDefaultSubcommand(checking: ["lab", "--help"]) == ["lab", "--help"])
        #expect(try TCPDoctor.withDefaultSubcommand(checking: ["lab", "run", "emfile"]) == ["lab", "run", "emfile"])
        #expect(try TCPDoctor.withDefaultSubcommand(checking: ["sockets", "state", "x"]) == ["sockets", "state", "x"])
        #expect {
            try TCPDoctor.withDefaultSubcommand(checking: ["lab", "lst"])
        } throws: { error in
            (error as? CommandFailure)?.message == "unknown command 'lst' for `tcpdoctor lab`: did you mean `list`?"
        }
    }

    /// As users see it: the suggestion, and not the doctor's usage.
    @Test func mistypedSubcommandFromTheCommandLine() throws {
        let run = try runTCPDoctor(["socket", "state", "close-wait"])
        #expect(run.status == 64)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("did you mean `sockets`?"), "\(run.stderr)")
        #expect(!run.stderr.contains("tcpdoctor doctor"), "\(run.stderr)")
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
        #expect(names.count == 8, "\(names)")
        for name in names { #expect(TCPDoctor.withDefaultSubcommand([name]) == [name]) }
    }
}
