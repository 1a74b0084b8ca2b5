import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// A process that names itself with terminal escape sequences cannot drive the terminal of the
/// person who runs tcpdoctor: text output shows the escapes, JSON keeps the raw strings.
@Suite(.serialized)
struct TextSafetyTests {
    /// What the holder writes to /proc/self/comm: an OSC "set title" ended by BEL, then a C1
    /// CSI (U+009B), 12 bytes in all (comm keeps 15).
    static let hostileName = "\u{1B}]0;pwn\u{07}\u{9B}X"
    /// The same as text output must print it.
    static let escapedName = "\\x1b]0;pwn\\x07\\xc2\\x9bX"
    /// Arguments after the script: a clear-screen sequence, and one argument with a space in it.
    static let hostileArguments = ["\u{1B}[2J", "two words"]

    /// A Python holder started through a symlink named `program`, so that its argv[0] differs
    /// from its comm: it sets its comm to `hostileName`, makes 12 CLOSE_WAIT sockets (its
    /// clients close, it never does) and prints its listener's port. It exits by itself after
    /// two minutes should the test not kill it.
    final class HostileHolder {
        let directory: String
        let program: String
        let child: ChildProcess
        let port: UInt16
        static let script = """
            import socket, time
            with open('/proc/self/comm', 'w') as comm: comm.write('\\x1b]0;pwn\\x07\\u009bX')
            listener = socket.socket()
            listener.bind(('127.0.0.1', 0))
            listener.listen(64)
            port = listener.getsockname()[1]
            held = []
            for _ in range(12):
                client = socket.create_connection(('127.0.0.1', port))
                held.append(listener.accept()[0])
                client.close()
            print(port, flush=True)
            time.sleep(120)
            """

        var argv: [String] { [program, "-c", Self.script] + hostileArguments }

        init() throws {
            // A space in the program's path: argv[0] must be taken whole, not cut at spaces.
            directory = "/tmp/tcpdoctor text-safety-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            program = directory + "/ts-holder-with-a-long-name"
            try FileManager.default.createSymbolicLink(atPath: program, withDestinationPath: ChildProcess.pythonPath)
            do {
                child = try ChildProcess([program, "-c", Self.script] + hostileArguments)
                guard let port = UInt16(try child.readLine()) else { throw FixtureError("the holder printed no port") }
                self.port = port
            } catch {
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
        }

        var pid: Int32 { child.pid }

        deinit { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// No C0 control but the newline, no DEL and no C1 control: nothing a terminal acts on.
    static func controls(in text: String) -> [UInt32] {
        text.unicodeScalars.map(\.value).filter { ($0 < 0x20 && $0 != 10) || (0x7f...0x9f).contains($0) }
    }

    /// Runs tcpdoctor until `ready` accepts its output or ten seconds pass (the holder's FINs
    /// are on their way when it prints its port).
    static func poll(_ arguments: [String], until ready: (TCPDoctorRun) throws -> Bool) throws -> TCPDoctorRun {
        let deadline = Date().addingTimeInterval(10)
        while true {
            let run = try runTCPDoctor(arguments)
            if try ready(run) || Date() > deadline { return run }
            usleep(20_000)
        }
    }

    @Test func socketsTableEscapesAndJSONKeepsTheRawArguments() throws {
        let holder = try HostileHolder()
        let filter = ["src", "127.0.0.1:\(holder.port)"]
        let table = try Self.poll(["sockets"] + filter) { $0.stdout.contains("CLOSE_WAIT") }
        #expect(table.status == 0, "stderr: \(table.stderr)")
        #expect(Self.controls(in: table.stdout).isEmpty, "raw controls in: \(table.stdout.debugDescription)")
        #expect(table.stdout.contains("\(Self.escapedName) pid=\(holder.pid)"), "\(table.stdout.debugDescription)")

        let run = try runTCPDoctor(["sockets", "--json"] + filter)
        #expect(run.status == 0)
        #expect(Self.controls(in: run.stdout).isEmpty, "JSON escapes every control character")
        let document = try run.json()
        let processes = try #require(document["processes"] as? [[String: Any]])
        let process = try #require(processes.first { $0["pid"] as? Int32 == holder.pid })
        #expect(process["command"] as? String == Self.hostileName)
        #expect(process["argv"] as? [String] == holder.argv)
        #expect(process["command_line"] == nil)
        let owners = (document["sockets"] as? [[String: Any]] ?? []).flatMap { $0["owners"] as? [[String: Any]] ?? [] }
        #expect(owners.contains { $0["command"] as? String == Self.hostileName })
    }

    @Test func processSelectionMatchesArgvZero() throws {
        let holder = try HostileHolder()
        // The comm is the hostile name; only argv[0] (the symlink) names the program, longer than comm's 15 bytes.
        for name in ["ts-holder-with-a-long-name", holder.program] {
            let run = try runTCPDoctor(["sockets", "--json", "--process", name, "src", "127.0.0.1:\(holder.port)"])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            let sockets = try run.json()["sockets"] as? [[String: Any]] ?? []
            #expect(sockets.count == 13, "the listener and its 12 accepted connections, all held by the holder")
            let owners = sockets.flatMap { $0["owners"] as? [[String: Any]] ?? [] }
            #expect(owners.allSatisfy { $0["pid"] as? Int32 == holder.pid })
        }
        let none = try runTCPDoctor(["sockets", "--json", "--process", "two words", "src", "127.0.0.1:\(holder.port)"])
        #expect((try none.json()["sockets"] as? [Any])?.isEmpty == true, "later arguments are not the program")
    }

    @Test func statesByProcessEscapesTheLabel() throws {
        let holder = try HostileHolder()
        let pid = ["--pid", "\(holder.pid)"]
        let table = try Self.poll(["states", "--by", "process"] + pid) { $0.stdout.contains("\(holder.pid)") }
        #expect(table.status == 0, "stderr: \(table.stderr)")
        #expect(Self.controls(in: table.stdout).isEmpty, "raw controls in: \(table.stdout.debugDescription)")
        #expect(table.stdout.contains("\(Self.escapedName) (pid \(holder.pid))"), "\(table.stdout.debugDescription)")

        let run = try runTCPDoctor(["states", "--json", "--by", "process"] + pid)
        let groups = try #require(try run.json()["groups"] as? [[String: Any]])
        #expect(groups.first { $0["pid"] as? Int32 == holder.pid }?["command"] as? String == Self.hostileName)
    }

    @Test func doctorFindingsEscapeEveryText() throws {
        let holder = try HostileHolder()
        let arguments = [
            "doctor", "--pid", "\(holder.pid)", "--rule", "close-wait-leak", "--threshold", "close-wait.warning=5",
        ]
        let table = try Self.poll(arguments) { $0.stdout.contains("WARNING") }
        #expect(table.stdout.contains("WARNING"), "stdout: \(table.stdout) stderr: \(table.stderr)")
        #expect(Self.controls(in: table.stdout).isEmpty, "raw controls in: \(table.stdout.debugDescription)")
        #expect(Self.controls(in: table.stderr).isEmpty)
        #expect(table.stdout.contains("\(Self.escapedName) (pid \(holder.pid))"), "\(table.stdout.debugDescription)")

        let run = try runTCPDoctor(arguments + ["--json"])
        #expect(Self.controls(in: run.stdout).isEmpty, "JSON escapes every control character")
        let finding = try #require((try run.json()["findings"] as? [[String: Any]])?.first)
        #expect((finding["processes"] as? [[String: Any]])?.first?["command"] as? String == Self.hostileName)
        #expect((finding["summary"] as? String)?.contains(Self.hostileName) == true, "JSON keeps the raw name")
    }

    @Test func fileNamesInErrorsAreEscaped() throws {
        let directory = "/tmp/tcpdoctor-text-safety-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/\(Self.hostileName).pcap"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("not a capture at all".utf8)))
        let run = try runTCPDoctor(["capture", path])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(Self.controls(in: run.stderr).isEmpty, "raw controls in: \(run.stderr.debugDescription)")
        #expect(run.stderr.contains("\(directory)/\(Self.escapedName).pcap"), "stderr: \(run.stderr)")

        let netns = try runTCPDoctor(["sockets", "--netns", "no-such-\u{1B}[2J"])
        #expect(netns.status == 3)
        #expect(Self.controls(in: netns.stderr).isEmpty, "raw controls in: \(netns.stderr.debugDescription)")
        #expect(netns.stderr.contains("no-such-\\x1b[2J"), "stderr: \(netns.stderr)")
    }
}
