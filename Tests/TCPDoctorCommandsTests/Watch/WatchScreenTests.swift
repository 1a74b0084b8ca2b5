import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// `watch` on a real terminal: the built binary in a tmux pane of the test's own server, driven
/// by send-keys and read by capture-pane. The pane's shell prints how watch ended and whether the
/// terminal's modes (`stty -g`) are the ones it had before.
@Suite(.serialized, .enabled(if: TmuxSession.isAvailable, "needs tmux (.ci/run installs it)"))
struct WatchScreenTests {
    /// The pane's command: watch on `port`'s sockets, then `EXIT=<status> MODES=same|changed`.
    static func command(port: UInt16, extra: String = "") -> String {
        command(watching: "--interval 0.3 \(extra) src 127.0.0.1:\(port)")
    }

    /// The pane's command: watch with `arguments`, then `EXIT=<status> MODES=same|changed`.
    static func command(watching arguments: String) -> String {
        "B=$(stty -g); '\(tcpdoctorExecutable())' watch \(arguments); S=$?; A=$(stty -g); "
            + "if [ \"$A\" = \"$B\" ]; then M=same; else M=changed; fi; echo \"EXIT=$S MODES=$M\"; exec sleep 600"
    }

    @Test func keysDriveTheView() throws {
        let connection = try LoopbackConnection.open()
        let port = connection.listener.port
        let tmux = try TmuxSession(Self.command(port: port))
        let own = "(pid \(getpid()))"

        var screen = try tmux.waitFor(own)
        #expect(screen.contains("by process"))
        #expect(screen.contains("sockets 2: ESTABLISHED 1  LISTEN 1"), "\(screen)")
        #expect(try tmux.display("#{alternate_on}") == "1")

        try tmux.send("g")
        screen = try tmux.waitFor("the local-port grouping") {
            $0.contains("by local-port") && $0.split(separator: "\n").contains { $0.hasPrefix(":\(port) ") }
        }
        #expect(!screen.contains(own))

        try tmux.send("?")
        try tmux.waitFor("tcpdoctor watch: keys")
        try tmux.send("?")
        try tmux.waitFor("the help closed") { !$0.contains("tcpdoctor watch: keys") && $0.contains(":\(port) ") }

        try tmux.send("Space")
        try tmux.waitFor("PAUSED")
        try tmux.send("Space")
        try tmux.waitFor("the pause ended") { !$0.contains("PAUSED") }

        // The editor starts with the filter in use, which is refined here.
        let refined = "src 127.0.0.1:\(port) and state listening"
        try tmux.send("/")
        try tmux.waitFor("filter: src 127.0.0.1:\(port)_")
        try tmux.type(" and state listening")
        try tmux.send("Enter")
        screen = try tmux.waitFor("filter: \(refined)")
        try tmux.waitFor("the filtered counts") { $0.contains("sockets 1: LISTEN 1") }

        try tmux.send("/")
        try tmux.send("C-u")
        try tmux.type("state bogus")
        try tmux.send("Enter")
        screen = try tmux.waitFor("filter not applied: unknown state 'bogus'")
        #expect(screen.contains("filter: \(refined)"), "a bad filter keeps the old one: \(screen)")
        #expect(screen.contains("sockets 1: LISTEN 1"))

        try tmux.send("s")
        try tmux.waitFor("+Last*")

        try tmux.tmux(["resize-window", "-t", "main", "-x", "70", "-y", "15"])
        screen = try tmux.waitFor("a redraw at 70 x 15") { text in
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            return lines.count == 15 && lines.last?.hasPrefix("q quit") == true
        }
        #expect(screen.split(separator: "\n").allSatisfy { $0.count <= 70 })

        try tmux.send("q")
        try tmux.waitFor("EXIT=0 MODES=same")
        #expect(try tmux.display("#{alternate_on}") == "0")
        withExtendedLifetime(connection) {}
    }

    @Test func controlCQuitsAndRestores() throws {
        let listener = try LoopbackSocket.listen()
        let tmux = try TmuxSession(Self.command(port: listener.port))
        try tmux.waitFor("(pid \(getpid()))")
        try tmux.send("C-c")
        try tmux.waitFor("EXIT=0 MODES=same")
        #expect(try tmux.display("#{alternate_on}") == "0")
        withExtendedLifetime(listener) {}
    }

    /// SIGTERM, SIGHUP (the terminal closed) and a SIGINT from outside restore the terminal too,
    /// and end with 128 + the signal, as a shell reports a process the signal ended.
    @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
    func signalsRestoreTheTerminal(signal: Int32) throws {
        let listener = try LoopbackSocket.listen()
        let tmux = try TmuxSession(Self.command(port: listener.port))
        try tmux.waitFor("(pid \(getpid()))")
        #expect(try tmux.display("#{alternate_on}") == "1")
        let watch = try tmux.child(named: "tcpdoctor")
        #expect(kill(watch, signal) == 0)
        try tmux.waitFor("EXIT=\(128 + signal) MODES=same")
        #expect(try tmux.display("#{alternate_on}") == "0")
        withExtendedLifetime(listener) {}
    }

    /// Closing the terminal (tmux kills the session: SIGHUP and a hung-up pty) ends watch
    /// rather than leaving it drawing into nothing.
    @Test func closingTheTerminalEndsWatch() throws {
        let listener = try LoopbackSocket.listen()
        let tmux = try TmuxSession(Self.command(port: listener.port))
        try tmux.waitFor("(pid \(getpid()))")
        let watch = try tmux.child(named: "tcpdoctor")
        try tmux.tmux(["kill-session", "-t", "main"])
        let deadline = Date().addingTimeInterval(30)
        while kill(watch, 0) == 0 && Date() < deadline { usleep(20_000) }
        #expect(kill(watch, 0) == -1 && errno == ESRCH, "watch (pid \(watch)) still runs after its terminal closed")
        withExtendedLifetime(listener) {}
    }

    /// An error in the middle of the view (the namespace it watches is deleted) restores the
    /// terminal before the message and the documented status 3.
    @Test(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2 for a namespace"))
    func anErrorRestoresTheTerminalFirst() throws {
        var namespace: TestNamespace? = try TestNamespace()
        let name = try #require(namespace?.name)
        let tmux = try TmuxSession(Self.command(watching: "--interval 0.3 --netns \(name)"))
        try tmux.waitFor("sockets 0")
        namespace = nil
        let screen = try tmux.waitFor("EXIT=3 MODES=same")
        #expect(screen.contains("error: no network namespace named"), "\(screen)")
        #expect(try tmux.display("#{alternate_on}") == "0")
    }

    @Test func countEndsTheScreenToo() throws {
        let listener = try LoopbackSocket.listen()
        let tmux = try TmuxSession(Self.command(port: listener.port, extra: "--count 2"))
        try tmux.waitFor("EXIT=0 MODES=same")
        #expect(try tmux.display("#{alternate_on}") == "0")
        withExtendedLifetime(listener) {}
    }
}
