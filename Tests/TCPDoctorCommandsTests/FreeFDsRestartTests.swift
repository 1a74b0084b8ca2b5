import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// The calls a process was blocked in when free-fds stopped it restart as if nothing happened:
/// a raw read(2) (-ERESTARTSYS) in the very thread the calls are injected into, and a raw
/// nanosleep(2) (-ERESTART_RESTARTBLOCK) in another, both through ctypes so that no EINTR retry
/// of Python's could hide a broken restart.
@Suite(.serialized, .enabled(if: runningAsRoot, "ptrace of another process needs CAP_SYS_PTRACE"))
struct FreeFDsRestartTests {
    static let source = """
        import ctypes, os, socket, sys, threading
        libc = ctypes.CDLL(None, use_errno=True)
        fifo = os.open(sys.argv[1], os.O_RDWR)
        listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen()
        client = socket.create_connection(listener.getsockname()); leaked, _ = listener.accept()
        client.close()
        class timespec(ctypes.Structure): _fields_ = [('tv_sec', ctypes.c_long), ('tv_nsec', ctypes.c_long)]
        def sleeper():
            result = libc.nanosleep(ctypes.byref(timespec(4, 0)), None)
            print('slept', result, ctypes.get_errno(), flush=True)
        threading.Thread(target=sleeper).start()
        print('ready', leaked.fileno(), flush=True)
        buffer = ctypes.create_string_buffer(16)
        result = libc.read(fifo, buffer, 5)
        print('read', result, ctypes.get_errno(), buffer.value.decode(), flush=True)
        """

    /// read(2)'s number, as /proc/PID/syscall shows the call a thread is blocked in.
    #if arch(x86_64)
    static let readNumber = 0
    #else
    static let readNumber = 63
    #endif

    @Test func blockedCallsRestartAfterFreeFDs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("free-fds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let process = try ChildProcess.python(Self.source, fifo)
        let ready = try process.readLine().split(separator: " ")
        #expect(ready.first == "ready")
        let leaked = try #require(ready.last.flatMap { Int32($0) })

        // Poll until the leaked end is in CLOSE_WAIT and the main thread is inside read().
        let deadline = ContinuousClock.now + .seconds(10)
        var done: [String: Any] = [:]
        while true {
            let syscall = (try? String(contentsOfFile: "/proc/\(process.pid)/syscall", encoding: .utf8)) ?? ""
            let plan = try runTCPDoctor(["free-fds", "--pid", "\(process.pid)", "--json"]).json()
            if syscall.hasPrefix("\(Self.readNumber) "), (plan["fds"] as? [[String: Any]])?.count == 1 { break }
            guard ContinuousClock.now < deadline else { throw RunError("the holder never got ready: \(plan)") }
            usleep(20_000)
        }
        let run = try runTCPDoctor(["free-fds", "--pid", "\(process.pid)", "--yes", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        done = try run.json()
        #expect(done["freed"] as? Int == 1)
        #expect((done["fds"] as? [[String: Any]])?.first?["fd"] as? Int32 == leaked)
        #expect(
            done["instruction_source"] as? String == "current-syscall",
            "injected into the thread stopped in read()"
        )

        let writer = open(fifo, O_WRONLY)
        #expect(writer >= 0)
        defer { close(writer) }
        #expect(write(writer, "hello", 5) == 5)
        let lines = [try process.readLine(), try process.readLine()].sorted()
        #expect(lines == ["read 5 0 hello", "slept 0 0"])
    }
}
