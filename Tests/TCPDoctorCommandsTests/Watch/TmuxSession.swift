import Foundation
import Glibc
import TCPDoctorSystem

/// A tmux server of the test's own (`tmux -L` with a unique socket name, no configuration file)
/// with one session of a given size running a shell command: a real terminal for the
/// full-screen view. The server, and with it everything in its panes, is killed on release.
final class TmuxSession {
    static let program = "/usr/bin/tmux"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: program) }

    let socketName = "tcpdoctor-test-\(getpid())-\(UUID().uuidString.prefix(8))"

    /// Starts the server with a detached session `main` of `columns` x `rows` running `command`.
    init(_ command: String, columns: Int = 120, rows: Int = 40) throws {
        let run = try tmux(["new-session", "-d", "-s", "main", "-x", "\(columns)", "-y", "\(rows)", command])
        guard run.status == 0 else { throw RunError("tmux new-session failed: \(run.stderr)") }
        socketPath = try display("#{socket_path}")
        panePID = Int32(try display("#{pane_pid}")) ?? 0
    }

    /// The pane's shell (which execs `sleep` once watch ended), kept for release: after
    /// kill-session tmux can no longer name it.
    private var panePID: Int32 = 0

    /// The server's socket file, removed on release (a server that ends with its last pane
    /// leaves it behind).
    private var socketPath = ""

    /// Kills the pane's processes, then the server.
    ///
    /// kill-server alone hangs up the panes and waits for them, but a test runner may start the
    /// tests with SIGHUP ignored, which the pane's shell and its children inherit (and a shell
    /// cannot undo): the server then never ends. So the pane's watch, if still running, and its
    /// shell get SIGKILL first.
    deinit {
        if let watch = try? child(named: "tcpdoctor") { kill(watch, SIGKILL) }
        if panePID > 0 { kill(panePID, SIGKILL) }
        _ = try? tmux(["kill-server"])
        if socketPath.hasSuffix("/" + socketName) { unlink(socketPath) }
    }

    /// Runs a tmux client command against this server and waits at most 30 s for it.
    ///
    /// Spawned directly with every inherited fd closed, not through Foundation's `Process`: the
    /// first client forks the server, which would inherit the socket by which `Process` learns
    /// that its child ended, and `waitUntilExit` would wait for the server.
    @discardableResult
    func tmux(_ arguments: [String]) throws -> TCPDoctorRun {
        let directory = try ScratchDirectory()
        let (outPath, errPath) = (directory.file("stdout"), directory.file("stderr"))
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let output = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let errors = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { for fd in [input, output, errors] where fd >= 0 { close(fd) } }
        guard input >= 0, output >= 0, errors >= 0 else { throw RunError("cannot open the files for tmux's output") }
        let argv = [Self.program, "-L", socketName, "-f", "/dev/null"] + arguments
        let spawned = systemSpawn(
            Self.program,
            argv,
            duplicating: [(input, 0), (output, 1), (errors, 2)],
            closingFrom: 3,
            newProcessGroup: false
        )
        guard case .success(let pid) = spawned else { throw RunError("cannot start tmux: \(spawned)") }
        var status: Int32 = 0
        let end = Date().addingTimeInterval(30)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < end else {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw RunError("tmux \(arguments.joined(separator: " ")) did not end within 30 s")
            }
            usleep(2_000)
        }
        // The wait status: exited normally when its low 7 bits are 0, with the status above them.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return TCPDoctorRun(
            status: exitStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        )
    }

    /// The visible text of the pane, one line per row.
    func capture() throws -> String { try tmux(["capture-pane", "-p", "-t", "main"]).stdout }

    /// A format of the pane, such as `#{alternate_on}`.
    func display(_ format: String) throws -> String {
        try tmux(["display-message", "-p", "-t", "main", format]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Keys by tmux's names (`Enter`, `Escape`, `Space`, `C-c`, or a single character).
    func send(_ keys: String...) throws { try tmux(["send-keys", "-t", "main"] + keys) }

    /// Text typed as it is, character by character.
    func type(_ text: String) throws { try tmux(["send-keys", "-t", "main", "-l", text]) }

    /// The pane's text once `ready` holds, polling until `deadline` seconds have passed.
    @discardableResult
    func waitFor(_ what: String, within deadline: Double = 30, _ ready: (String) -> Bool) throws -> String {
        let end = Date().addingTimeInterval(deadline)
        var text = ""
        while Date() < end {
            text = try capture()
            if ready(text) { return text }
            usleep(50_000)
        }
        throw RunError("the pane never showed \(what) within \(deadline) s; it shows:\n\(text)")
    }

    /// The pane's text once it contains `needle`.
    @discardableResult
    func waitFor(_ needle: String, within deadline: Double = 30) throws -> String {
        try waitFor("'\(needle)'", within: deadline) { $0.contains(needle) }
    }

    /// The pid of the pane's child process called `command` (the pane runs a shell around it).
    func child(named command: String) throws -> Int32 {
        let shell = try requirePID(display("#{pane_pid}"))
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let name = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if name == command, fields.count > 1, Int32(fields[1]) == shell { return pid }
        }
        throw RunError("no child \(command) of the pane's shell (pid \(shell))")
    }
}

/// A pid from tmux's text, or an error naming the text.
private func requirePID(_ text: String) throws -> Int32 {
    guard let pid = Int32(text) else { throw RunError("not a pid: '\(text)'") }
    return pid
}
