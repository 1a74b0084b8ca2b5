import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// The README's exit codes, command by command and situation by situation, from the real binary.
/// (Signals that stop a holding lab, 130 for Ctrl-C: `LabCommandTests.signalStopsTheLabAndItsProcesses`.)
///
/// 1 is the doctor's alone ("found a problem"), so that a monitor that pages on 1 pages for
/// findings and never for a lab or a capture that went wrong.
struct ExitCodeTests {
    /// One row of the table: a command in a situation, and the status it must end with.
    struct Case: Sendable, CustomTestStringConvertible {
        var situation: String
        var arguments: [String]
        var status: Int32
        /// Text standard error must show (the reason), or nil for none required.
        var message: String?

        var testDescription: String { "\(arguments.first ?? "tcpdoctor"): \(situation) -> \(status)" }
    }

    static let fixture = SchemaCheck.repository + "/Tests/TCPDoctorCaptureTests/Fixtures/lo-ipv4-client-close.pcap"

    /// A namespace that does not exist: the system could not be read, for every live command.
    static let missingNamespace = ["sockets", "states", "doctor"].map { command in
        Case(
            situation: "missing namespace",
            arguments: [command, "--netns", "tcpdoctor-no-such-netns"],
            status: 3,
            message: "no network namespace named"
        )
    }

    static let table: [Case] =
        missingNamespace + [
            Case(situation: "help", arguments: ["--help"], status: 0),
            Case(situation: "version", arguments: ["--version"], status: 0),
            Case(
                situation: "mistyped subcommand",
                arguments: ["socket"],
                status: 64,
                message: "did you mean `sockets`?"
            ),
            Case(
                situation: "unknown word",
                arguments: ["frobnicate"],
                status: 64,
                message: "unknown command 'frobnicate'"
            ),
            Case(situation: "unknown option", arguments: ["--frobnicate"], status: 64, message: "--frobnicate"),
            Case(situation: "reads the host", arguments: ["sockets", "--netns", "current"], status: 0),
            Case(
                situation: "malformed filter",
                arguments: ["sockets", "dport", "="],
                status: 64,
                message: "invalid filter"
            ),
            Case(situation: "reads the host", arguments: ["states", "--by", "remote"], status: 0),
            Case(situation: "unknown grouping", arguments: ["states", "--by", "color"], status: 64),
            Case(situation: "lists its rules", arguments: ["doctor", "--list-rules"], status: 0),
            Case(
                situation: "no finding can fail",
                arguments: [
                    "doctor", "--rule", "syn-sent", "--netns", "current", "--threshold", "syn-sent.warning=1000000",
                ],
                status: 0
            ),
            Case(
                situation: "unknown rule",
                arguments: ["doctor", "--rule", "nope"],
                status: 64,
                message: "unknown rule 'nope'"
            ),
            Case(situation: "the machine", arguments: ["explain"], status: 0),
            Case(situation: "unknown state", arguments: ["explain", "closed-wait"], status: 64),
            Case(situation: "lists", arguments: ["lab", "list"], status: 0),
            Case(
                situation: "mistyped subcommand",
                arguments: ["lab", "lst"],
                status: 64,
                message: "did you mean `list`?"
            ),
            Case(
                situation: "unknown scenario",
                arguments: ["lab", "run", "nope"],
                status: 64,
                message: "no lab scenario"
            ),
            Case(situation: "a capture", arguments: ["capture", fixture], status: 0),
            Case(situation: "its connections", arguments: ["capture", "--connections", fixture], status: 0),
            Case(situation: "a ladder", arguments: ["capture", "--ladder", "1", fixture], status: 0),
            Case(
                situation: "ladder number past the end",
                arguments: ["capture", "--ladder", "9", fixture],
                status: 4,
                message: "there is no connection 9"
            ),
            Case(
                situation: "ladder filter matching nothing",
                arguments: ["capture", "--ladder", "sport = :1", fixture],
                status: 4,
                message: "no connection matches --ladder"
            ),
            Case(situation: "ladder 0", arguments: ["capture", "--ladder", "0", fixture], status: 64),
            Case(
                situation: "missing file",
                arguments: ["capture", "/nonexistent/tcpdoctor.pcap"],
                status: 2,
                message: "No such file"
            ),
            Case(situation: "a directory", arguments: ["capture", "/"], status: 2),
            Case(situation: "no file", arguments: ["capture"], status: 64),
            Case(
                situation: "no such process",
                arguments: ["free-fds", "--pid", "2147483646", "--yes"],
                status: 10,
                message: "no process 2147483646"
            ),
            Case(situation: "no pid", arguments: ["free-fds"], status: 64),
            Case(
                situation: "malformed filter",
                arguments: ["free-fds", "--pid", "1", "sport", "=="],
                status: 64,
                message: "invalid filter"
            ),
        ]

    @Test(arguments: table)
    func exitStatus(_ row: Case) throws {
        let run = try runTCPDoctor(row.arguments)
        #expect(run.status == row.status, "\(row.arguments): \(run.stderr)")
        if let message = row.message { #expect(run.stderr.contains(message), "\(run.stderr)") }
        #expect(!run.stderr.contains("Fatal error"), "\(run.stderr)")
    }

    /// A lab that cannot start is the lab's failure (5), not the doctor's 1: here, a scenario
    /// that needs its own namespace run by a user who cannot make one.
    @Test(.enabled(if: UnprivilegedTests.canDropPrivileges, "needs root to drop to nobody"))
    func labThatCannotStartExitsFive() throws {
        let run = try UnprivilegedTests.runAsNobody(["lab", "run", "port-exhaustion", "--hold", "1"])
        #expect(run.status == 5, "\(run.stderr)")
        #expect(run.stderr.contains("root"), "\(run.stderr)")
        let json = try UnprivilegedTests.runAsNobody(["lab", "run", "port-exhaustion", "--hold", "1", "--json"])
        #expect(json.status == 5, "\(json.stderr)")
        let error = try #require(try json.json()["error"] as? [String: Any])
        #expect(error["code"] as? String == "lab_failed")
    }

    /// Ctrl-C during a capture that never ends (a FIFO whose writer stays): the capture holds
    /// nothing to clean up and is ended by SIGINT itself, which a shell reports as 130. Also
    /// when started, as here, by a parent whose thread blocks SIGINT (the mask is inherited).
    @Test func interruptedCaptureEndsBySIGINT() throws {
        let directory = try ScratchDirectory()
        let fifo = directory.file("endless.pcap")
        try #require(mkfifo(fifo, 0o600) == 0)
        // Read and write, so that neither this open nor tcpdoctor's blocks, and no EOF comes.
        let writer = open(fifo, O_RDWR | O_CLOEXEC)
        try #require(writer >= 0)
        defer { close(writer) }
        let header = try Data(contentsOf: URL(fileURLWithPath: Self.fixture)).prefix(24)
        #expect(header.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) } == 24)
        let capture = try BackgroundTCPDoctor(["capture", "--json", fifo])
        #expect(eventuallyHolds(capture.pid, fifo), "tcpdoctor never opened the FIFO")
        capture.send(SIGINT)
        #expect(try capture.ending(within: 10) == .signalled(SIGINT), "\(capture.stderr)")
        #expect(capture.stderr.isEmpty, "\(capture.stderr)")
    }

    /// Whether `pid` opens `path` within five seconds.
    private func eventuallyHolds(_ pid: Int32, _ path: String) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            let targets = fds.compactMap {
                try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")
            }
            if targets.contains(path) { return true }
            usleep(20_000)
        }
        return false
    }
}
