// CDispatch: struct stat and its members, which this target sees through the module that first
// included <sys/stat.h> (MemberImportVisibility).
import CDispatch
import Foundation
import Glibc
import TCPDoctorTestSupport

/// A real multithreaded server that leaks: it keeps every connection that says `hold` and never
/// reads or closes it again, so the client's close leaves it in CLOSE_WAIT. It still answers
/// `ping` with `pong` on new connections, holds `keep` connections open (ESTABLISHED), and on
/// `swap N` puts a new socket at fd N (a number reused behind a plan's back).
///
/// Its main thread sits in accept() and three more in sleep(): both are calls that an
/// interrupt makes restart, which free-fds must leave restartable.
final class CloseWaitServer {
    let process: ChildProcess
    let port: UInt16
    /// The server's pid (with `detached`, not the child's: that was setsid, already gone).
    let pid: Int32
    private let detached: Bool
    private var kept: [LoopbackSocket] = []

    static let source = """
        import os, socket, sys, threading, time
        threads = int(sys.argv[1])
        for _ in range(threads):
            threading.Thread(target=lambda: time.sleep(3600), daemon=True).start()
        listener = socket.socket(); listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(('127.0.0.1', 0)); listener.listen(4096)
        held, spare = [], []
        print(os.getpid(), listener.getsockname()[1], flush=True)
        while True:
            c, _ = listener.accept()
            word = c.recv(64).decode().split()
            if not word: c.close(); continue
            if word[0] == 'hold' or word[0] == 'keep':
                held.append(c); c.sendall(b'held\\n')
            elif word[0] == 'ping':
                c.sendall(b'pong\\n'); c.close()
            elif word[0] == 'swap':
                s = socket.socket(); spare.append(s); os.dup2(s.fileno(), int(word[1]))
                c.sendall(b'%d\\n' % os.fstat(int(word[1])).st_ino); c.close()
        """

    /// Starts it with `threads` sleeping threads beside the main one.
    ///
    /// - Parameter detached: not a child of the test process (started through `setsid -f`), for
    ///   tests that ptrace it from this process: Foundation's `Process` reaps its children from
    ///   a thread of its own, and a waitpid there takes the ptrace stops meant for the tracer.
    init(threads: Int = 3, detached: Bool = false) throws {
        let prefix = detached ? ["/usr/bin/setsid", "-f"] : []
        process = try ChildProcess(prefix + ChildProcess.pythonCommand(Self.source) + ["\(threads)"])
        let words = try process.readLine().split(separator: " ")
        guard words.count == 2, let pid = Int32(words[0]), let port = UInt16(words[1]) else {
            throw FixtureError("no pid and port from the server")
        }
        (self.pid, self.port, self.detached) = (pid, port, detached)
    }

    deinit {
        if detached { kill(pid, SIGKILL) }
    }

    /// One request; the reply's first line.
    @discardableResult
    func request(_ word: String, closeAfter: Bool = true) throws -> String {
        let client = try LoopbackSocket.connect(to: port)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(client.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try client.send(word + "\n")
        let reply = String(decoding: try client.receive(), as: UTF8.self)
        if closeAfter { client.close() } else { kept.append(client) }
        return String(reply.prefix { $0 != "\n" })
    }

    /// Leaves `count` connections in CLOSE_WAIT on the server.
    func leak(_ count: Int) throws {
        for _ in 0..<count { try requireReply(request("hold"), "held") }
    }

    /// One ESTABLISHED connection, held open on both sides.
    func keepOne() throws { try requireReply(request("keep", closeAfter: false), "held") }

    /// The server's fd number → `readlink /proc/PID/fd/N`.
    func link(_ fd: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")
    }

    /// Open fds of the server: `stat /proc/PID/fd` st_size.
    var openFDs: Int? {
        var info = stat()
        return stat("/proc/\(pid)/fd", &info) == 0 ? Int(info.st_size) : nil
    }

    /// `State:` of /proc/PID/status: `S (sleeping)`, `t (tracing stop)`, ...
    var state: String? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("State:") }.map {
            $0.dropFirst("State:".count).trimmingCharacters(in: .whitespaces)
        }
    }

    /// `TracerPid:` of /proc/PID/status (0: nobody traces it).
    var tracerPID: Int32? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("TracerPid:") }.flatMap {
            Int32($0.dropFirst("TracerPid:".count).trimmingCharacters(in: .whitespaces))
        }
    }
}

private func requireReply(_ reply: String, _ expected: String) throws {
    guard reply == expected else { throw FixtureError("server replied '\(reply)', not '\(expected)'") }
}
