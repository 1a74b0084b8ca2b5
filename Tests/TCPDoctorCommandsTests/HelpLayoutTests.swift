import ArgumentParser
import Testing

@testable import TCPDoctorCommands

/// Every command's help reads well on an 80-column terminal, wrapped by argument-parser alone.
///
/// Help text broken by hand inside a paragraph is wrapped again by argument-parser at the
/// terminal's width, which leaves a word or two alone on a line ("-G);" under "... tcpdump -C
/// or"). Paragraphs are therefore written as one line each, separated by blank lines.
struct HelpLayoutTests {
    static let columns = 80

    /// Every command and subcommand by its path ("lab run"), the hidden ones too (their help is
    /// still shown).
    static let commands: [String: any ParsableCommand.Type] = {
        var all: [String: any ParsableCommand.Type] = [:]
        var pending: [(String, any ParsableCommand.Type)] = [("tcpdoctor", TCPDoctor.self)]
        while let (path, command) = pending.popLast() {
            all[path] = command
            for subcommand in command.configuration.subcommands {
                pending.append((path + " " + (subcommand.configuration.commandName ?? "\(subcommand)"), subcommand))
            }
        }
        return all
    }()

    @Test func everyCommandIsChecked() {
        #expect(Self.commands.count >= 10, "\(Self.commands.keys.sorted())")
        #expect(Self.commands["tcpdoctor capture"] != nil)
        #expect(Self.commands["tcpdoctor lab run"] != nil)
    }

    @Test(arguments: commands.keys.sorted())
    func helpFitsEightyColumnsWithoutDanglingFragments(command path: String) throws {
        let command = try #require(Self.commands[path])
        let help = TCPDoctor.helpMessage(for: command, includeHidden: true, columns: Self.columns)
        let problems = HelpLayout.problems(in: help, columns: Self.columns)
        #expect(problems.isEmpty, "\(path) --help:\n\(problems.joined(separator: "\n"))\n\n\(help)")
    }

    /// The check itself finds what hand-broken paragraphs and over-long list items produce.
    @Test(
        arguments: [
            (
                "Several files are read in order as one capture cut in pieces (tcpdump -C or\n-G);\npacket numbers count on.",
                "dangling"
            ),
            (
                "  port-exhaustion: the width of the namespace's ephemeral port range (default\n500)\n",
                "wrapped list item"
            ),
            (String(repeating: "x", count: 81), "81 columns"),
            (
                "A paragraph that ends\n\nshort.\n\nOPTIONS:\n  --json   Print JSON.\n                          (default: 60)\n",
                nil
            ),
        ] as [(String, String?)]
    )
    func theCheckFindsDanglingFragments(help: String, problem: String?) {
        let problems = HelpLayout.problems(in: help, columns: Self.columns)
        if let problem {
            #expect(problems.contains { $0.contains(problem) }, "\(problems)")
        } else {
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}

/// What makes a help screen look broken on a terminal of `columns` columns.
enum HelpLayout {
    /// A line shorter than this, inside a paragraph and followed by more of it, is a dangling
    /// fragment: argument-parser fills lines up to the width, so only a hand-made break leaves one.
    static let shortestInnerLine = 20

    static func problems(in help: String, columns: Int) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var problems: [String] = []
        // Inside OPTIONS, ARGUMENTS and SUBCOMMANDS argument-parser lays out its own columns.
        var inEntryList = false
        for (number, line) in lines.enumerated() {
            if line.count > columns { problems.append("line \(number + 1) has \(line.count) columns: \(line)") }
            if let heading = line.split(separator: ":").first, line.hasSuffix(":"), heading.allSatisfy(\.isUppercase) {
                inEntryList = true
                continue
            }
            guard !inEntryList, number + 1 < lines.count else { continue }
            let next = lines[number + 1]
            let text = line.trimmingLeadingSpaces
            guard !text.isEmpty, !next.trimmingLeadingSpaces.isEmpty else { continue }
            let indent = line.count - text.count
            let nextIndent = next.count - next.trimmingLeadingSpaces.count
            // The next line goes on with the same paragraph: same margin, not a new heading.
            let continues = nextIndent == indent && !text.hasSuffix(":")
            if continues && text.count < shortestInnerLine {
                problems.append("line \(number + 1) is a dangling fragment: '\(line)' before '\(next)'")
            }
            // An indented list item that did not fit: its rest lands in the left margin.
            if indent > 0 && nextIndent == 0 && !next.hasSuffix(":") && !next.hasPrefix("USAGE:") {
                problems.append("line \(number + 2) is a wrapped list item: '\(next)' after '\(line)'")
            }
        }
        return problems
    }
}

extension String {
    fileprivate var trimmingLeadingSpaces: Substring { drop { $0 == " " } }
}
