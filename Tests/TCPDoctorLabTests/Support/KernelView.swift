import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorLab
import TCPDoctorLinux

/// What the kernel shows of a running lab, read with the same snapshot reader `tcpdoctor` uses.
///
/// The tests check the lab against the kernel, never against what the roles say about
/// themselves: states and Recv-Q from the netlink dump, owners from /proc/PID/fd.
struct KernelView {
    let snapshot: Snapshot
    let lab: RunningLab

    /// Reads the lab's own namespace, or every namespace: the snapshot looks for dead socket fds
    /// only when it has seen every table, since a socket missing from a partial view proves nothing.
    init(_ lab: RunningLab) throws {
        self.lab = lab
        let namespaces: SnapshotRequest.Namespaces = lab.netns.map { .named($0) } ?? .all
        // The lab's resets are a moment old: no idle time is asked of its dead fds here (the
        // threshold itself is tested in DeadSocketTests).
        snapshot = try SnapshotReader.read(
            SnapshotRequest(namespaces: namespaces, includeOwners: true, deadSocketMinimumIdle: .zero)
        )
    }

    /// The role of a lab process, by pid.
    func role(of pid: Int32) -> LabScenario.Role? {
        lab.processes.first { $0.pid == pid }?.role
    }

    /// The lab's sockets on `side`: the local port (server side) or remote port (client side) is the server's.
    ///
    /// A TIME_WAIT older than the lab is left out: the server's port number is free for reuse
    /// once an earlier lab (another test running in parallel) has stopped, and that lab's
    /// clients may still have TIME_WAIT toward it for up to 60 s.
    func sockets(on side: LabExpectation.Side) -> [SocketRecord] {
        let loopback = IPAddress(ipv4: 0x7f00_0001)
        let age = ContinuousClock.now - lab.startedAt
        let ageMilliseconds = age.components.seconds * 1000 + age.components.attoseconds / 1_000_000_000_000_000
        // Linux's TIME_WAIT lasts 60 s; a second of slack for the timer's granularity.
        let oldestExpiry = 60_000 - ageMilliseconds - 1_000
        return snapshot.sockets.filter { socket in
            guard socket.state != .listen && socket.local.address == loopback,
                side == .server ? socket.local.port == lab.serverPort : socket.remote.port == lab.serverPort
            else { return false }
            if socket.state == .timeWait, let timer = socket.timer, timer.kind == .timeWait {
                return timer.expiresMilliseconds >= oldestExpiry
            }
            return true
        }
    }

    /// The roles that hold `socket`; a holder that is no lab process shows as nil.
    func holders(of socket: SocketRecord) -> [LabScenario.Role?] {
        snapshot.owners(of: socket).map { role(of: $0.pid) }
    }

    /// How `expectation` compares with the kernel: sockets that match it, and those of the same
    /// state, side and holders whose Recv-Q differs.
    func check(_ expectation: LabExpectation) -> (matching: Int, wrongRecvQ: Int) {
        guard let state = expectation.state else {
            let pids = Set(expectation.holders.flatMap { lab.pids(of: $0) })
            return (snapshot.deadSocketFDs.filter { pids.contains($0.owner.pid) }.count, 0)
        }
        var matching = 0
        var wrongRecvQ = 0
        for socket in sockets(on: expectation.side) where socket.state == state {
            let holders = self.holders(of: socket)
            guard !holders.contains(where: { $0 == nil }), Set(holders.compactMap { $0 }) == expectation.holders else {
                continue
            }
            if let recvQ = expectation.recvQ, socket.recvQ != recvQ { wrongRecvQ += 1 } else { matching += 1 }
        }
        return (matching, wrongRecvQ)
    }

    /// Every expectation that the kernel does not show yet, as a sentence.
    func unmet() -> [String] {
        lab.expectations.compactMap { expectation in
            let (matching, wrong) = check(expectation)
            if matching == expectation.count && wrong == 0 { return nil }
            return "\(expectation): kernel shows \(matching)" + (wrong > 0 ? " and \(wrong) with another Recv-Q" : "")
        }
    }

    /// Reads the kernel until every expectation of `lab` is met or `timeout` passes; returns the
    /// last view and what was still unmet.
    ///
    /// Polls rather than sleeps a fixed time: a FIN or an RST may still be in flight on loopback
    /// when the roles report that they are settled.
    static func awaitExpectations(of lab: RunningLab, timeout: Duration = .seconds(10)) throws -> (KernelView, [String])
    {
        let deadline = ContinuousClock.now + timeout
        while true {
            let view = try KernelView(lab)
            let unmet = view.unmet()
            if unmet.isEmpty || ContinuousClock.now >= deadline { return (view, unmet) }
            usleep(20_000)
        }
    }
}

/// The built `tcpdoctor` executable, next to the test bundle in the build folder.
func tcpdoctorExecutable() -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return bundle.appendingPathComponent("tcpdoctor").path
}

/// Whether a process with `pid` exists at all (a zombie counts).
func processExists(_ pid: Int32) -> Bool {
    access("/proc/\(pid)", F_OK) == 0
}

/// Whether `pid` is gone or a zombie: it holds no fd, no socket, no memory.
func processIsDead(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    // The state follows the command in parentheses, which may itself contain spaces.
    guard let close = stat.lastIndex(of: ")") else { return true }
    return stat[close...].dropFirst(2).first == "Z"
}

/// `/proc/PID/comm` without its newline.
func commandName(of pid: Int32) -> String? {
    (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines)
}

/// Whether a named network namespace exists.
func namespaceExists(_ name: String) -> Bool {
    access("/var/run/netns/\(name)", F_OK) == 0
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        usleep(20_000)
    }
    return true
}

let isRoot = getuid() == 0
