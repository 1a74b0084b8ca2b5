import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// Twelve real pre-fork workers of one program leaking alike: the text tells them once.
@Suite(.serialized)
struct PreForkTextTests {
    static let workers = 12
    static let perWorker = 15

    /// A pre-fork server: the parent listens, forks the workers (named `prefork-wkr`, killed with
    /// the parent), each accepts `perWorker` connections, never reads or closes them, and says so.
    static let server = """
        import ctypes, os, socket, sys, time
        libc = ctypes.CDLL(None)
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(512)
        print(listener.getsockname()[1], flush=True)
        for _ in range(\(workers)):
            if os.fork() == 0:
                libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: the workers die with the parent
                libc.prctl(15, b"prefork-wkr")  # PR_SET_NAME
                if os.getppid() == 1:
                    os._exit(1)
                held = [listener.accept()[0] for _ in range(\(perWorker))]
                # One write(2) per line: the twelve workers share the pipe, and print() may write
                # the text and its newline apart (unbuffered), which interleaves the lines.
                os.write(1, b"done %d\\n" % os.getpid())
                time.sleep(120)
                os._exit(0)
        time.sleep(120)
        """

    @Test func workersLeakingAlikeAreToldOnceWithEveryPid() throws {
        let parent = try ChildProcess.python(Self.server)
        var workers: [Int32] = []
        defer {
            for pid in workers { kill(pid, SIGKILL) }
            withExtendedLifetime(parent) {}
        }
        let port = try #require(UInt16(try parent.readLine()))
        for _ in 0..<(Self.workers * Self.perWorker) {
            let client = try LoopbackSocket.connect(to: port)
            client.close()
        }
        for _ in 0..<Self.workers {
            let line = try parent.readLine().split(separator: " ")
            workers.append(try #require(Int32(line.last ?? "")))
        }
        let selection = workers.flatMap { ["--pid", "\($0)"] } + ["--rule", "close-wait-leak"]

        // JSON: one finding per process, unchanged. Poll until every worker's FIN is counted.
        var findings: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(10)
        repeat {
            findings = try runTCPDoctor(["doctor", "--json"] + selection).json()["findings"] as? [[String: Any]] ?? []
            let counts = findings.compactMap { ($0["evidence"] as? [String: Any])?["count"] as? Int }
            if counts.count == Self.workers && counts.allSatisfy({ $0 == Self.perWorker }) { break }
            usleep(100_000)
        } while Date() < deadline
        #expect(findings.count == Self.workers)
        #expect(Set(findings.compactMap { $0["id"] as? String }).count == Self.workers)

        let text = try runTCPDoctor(["doctor"] + selection).stdout
        let blocks = DoctorTextTests.blocks(text)
        let block = try #require(blocks.first)
        #expect(blocks.count == 1, "told once:\n\(text)")
        let total = Self.workers * Self.perWorker
        #expect(
            block[0].contains(
                "prefork-wkr (\(Self.workers) processes) leaks \(total) CLOSE_WAIT sockets on its listening port :\(port)"
            ),
            "\(block[0])"
        )
        #expect(block[0].contains("[close-wait-leak ×\(Self.workers)]"))
        let flat = DoctorTextTests.flat(block.joined(separator: "\n"))
        let listed =
            "processes: prefork-wkr: pids " + workers.sorted().map { "\($0)" }.joined(separator: ", ")
            + " (\(Self.perWorker) each)"
        #expect(flat.contains(listed), "\(flat)")
        #expect(flat.contains("each of the \(Self.workers) prefork-wkr processes has not closed its own"))
        #expect(flat.contains("local peers: orphaned FIN_WAIT2 ×\(total)"))
        #expect(block.count <= 18, "\(block.count) lines:\n\(block.joined(separator: "\n"))")
        #expect(text.split(separator: "\n").count <= 30, "the whole report:\n\(text)")

        // --verbose keeps every finding in full.
        let verbose = try runTCPDoctor(["doctor", "--verbose"] + selection).stdout
        #expect(DoctorTextTests.blocks(verbose).count == Self.workers)
        for pid in workers { #expect(verbose.contains("prefork-wkr (pid \(pid)) leaks \(Self.perWorker) CLOSE_WAIT")) }
    }
}
