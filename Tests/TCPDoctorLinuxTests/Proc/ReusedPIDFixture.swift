import CSockDiag
import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// A pid that really goes from one process to another, deterministically.
///
/// Inside a PID namespace of its own (`unshare --pid --mount-proc`, with its own /proc mount)
/// a Python init forks a holder, pid 2, into a new network namespace, listening on
/// `firstPort`. On `reuse()` it kills the holder, sets `ns_last_pid` back, and forks the next
/// holder, which gets pid 2 again, in another new network namespace, listening on `secondPort`.
/// No other process forks in that PID namespace, so the pid cannot go elsewhere; the second
/// holder starts at least one clock tick after the first (the unit of their start times, which
/// would otherwise be equal for a reuse this fast). From outside,
/// the namespace's /proc is `procRoot` (`/proc/INIT/root/proc`), where the holder is pid 2.
/// Needs root (CAP_SYS_ADMIN for the namespaces and for `ns_last_pid`).
final class ReusedPIDFixture {
    static let firstPort: UInt16 = 47_001
    static let secondPort: UInt16 = 47_002
    /// The holder's pid inside the PID namespace, before and after `reuse()`.
    static let pid: Int32 = 2

    private static let script = """
        import ctypes, os, signal, socket, sys, time
        libc = ctypes.CDLL(None, use_errno=True)
        # Blocked and waited for, so that a signal sent early is not lost. A handler too: init
        # of a PID namespace receives only signals it handles. (Spawned from a Dispatch thread,
        # the process may start with signals blocked anyway.)
        signal.signal(signal.SIGUSR1, lambda *_: None)
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
        def holder(port):
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET
                    os._exit(1)
                s = socket.socket(); s.bind(("0.0.0.0", port)); s.listen()
                os.write(w, b"ready\\n")
                time.sleep(120)
                os._exit(0)
            os.close(w)
            if os.read(r, 6) != b"ready\\n":
                sys.exit("holder failed")
            return pid
        first = holder(\(firstPort))
        print(first, flush=True)
        signal.sigwait([signal.SIGUSR1])
        started = int(open("/proc/%d/stat" % first).read().rsplit(")", 1)[1].split()[19])
        os.kill(first, signal.SIGKILL); os.waitpid(first, 0)
        # Start times count clock ticks of CLOCK_BOOTTIME: the next holder starts a tick later.
        tick = os.sysconf("SC_CLK_TCK")
        deadline = time.monotonic() + 5
        while int(time.clock_gettime(time.CLOCK_BOOTTIME) * tick) <= started and time.monotonic() < deadline:
            time.sleep(0.001)
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(first - 1))
        print(holder(\(secondPort)), flush=True)
        time.sleep(120)
        """

    private let child: ChildProcess
    /// The Python init's pid on the host.
    let initPID: Int32
    /// The PID namespace's /proc, as seen from the host.
    var procRoot: String { "/proc/\(initPID)/root/proc" }
    /// `ns/net` of the holder, through the PID namespace's /proc.
    var holderNamespacePath: String { "\(procRoot)/\(Self.pid)/ns/net" }

    static var isAvailable: Bool {
        geteuid() == 0 && access("/usr/bin/unshare", X_OK) == 0 && access(ChildProcess.pythonPath, X_OK) == 0
    }

    init() throws {
        // --kill-child: the Python init, and with it the whole PID namespace, dies with unshare.
        child = try ChildProcess([
            "/usr/bin/unshare", "--pid", "--mount-proc", "--kill-child", ChildProcess.pythonPath, "-c", Self.script,
        ])
        let first = try child.readLine()
        guard first == "\(Self.pid)" else { throw FixtureError("the first holder is pid \(first), not \(Self.pid)") }
        let children = try String(contentsOfFile: "/proc/\(child.pid)/task/\(child.pid)/children", encoding: .utf8)
        guard let initPID = children.split(separator: " ").first.flatMap({ Int32($0) }) else {
            throw FixtureError("unshare \(child.pid) has no child")
        }
        self.initPID = initPID
    }

    /// Kills the holder and lets a new one, in a new network namespace, take its pid; returns
    /// once the new holder listens.
    func reuse() throws {
        guard kill(initPID, SIGUSR1) == 0 else { throw FixtureError("cannot signal \(initPID): errno \(errno)") }
        let second = try child.readLine()
        guard second == "\(Self.pid)" else { throw FixtureError("the pid went to \(second), not \(Self.pid)") }
    }

    /// The host pids of the init's children: the holder of the moment.
    func holderHostPIDs() throws -> [Int32] {
        let children = try String(contentsOfFile: "/proc/\(initPID)/task/\(initPID)/children", encoding: .utf8)
        return children.split(separator: " ").compactMap { Int32($0) }
    }

    /// The inode of a namespace file (what `readlink` shows as `net:[INODE]`).
    static func inode(_ path: String) throws -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FixtureError("cannot stat \(path): errno \(errno)") }
        return UInt64(info.st_ino)
    }
}
