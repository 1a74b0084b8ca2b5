import Foundation
import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

/// A throwaway harness, not a test: populates the host and prints how long the fd walk takes next
/// to `ls -l /proc/*/fd`. Nothing is asserted about time.
///
/// Run in release with (numbers in the helper's report):
///
///     TCPDOCTOR_PROC_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter FDScannerBenchmark
///
/// `TCPDOCTOR_PROC_BENCH_HOLDERS` (default 10) python3 processes each open
/// `TCPDOCTOR_PROC_BENCH_SOCKETS` (default 17000) TCP sockets, and 400 idle `sleep` processes
/// (`TCPDOCTOR_PROC_BENCH_IDLE`) bring the process count near the benchmark host's ~500. With
/// both set to 0 it measures the host as it is.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["TCPDOCTOR_PROC_BENCH"] != nil))
struct FDScannerBenchmark {
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) } ?? fallback
    }

    /// Wall-clock time and CPU time (user + system, this process and waited-for children): the
    /// machine is shared, so CPU time is the steadier figure.
    struct Sample: Comparable {
        var wall: Duration
        var cpu: Duration
        static func < (a: Sample, b: Sample) -> Bool { a.wall < b.wall }
    }

    /// CPU time of this process (all threads) plus its waited-for children (`times(2)`, in
    /// clock ticks). getrusage is avoided: its enum clashes with CSockDiag's _GNU_SOURCE headers.
    static func cpuNow() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        var ticks = tms()
        _ = times(&ticks)
        let children = Double(ticks.tms_cutime + ticks.tms_cstime) / Double(sysconf(Int32(_SC_CLK_TCK)))
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec) + .seconds(children)
    }

    static func time(_ body: () throws -> Void) rethrows -> Sample {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = cpuNow()
        try body()
        return Sample(wall: clock.now - start, cpu: cpuNow() - cpuStart)
    }

    static func shell(_ command: String) throws -> Sample {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try time {
            try process.run()
            try process.waitUntilExit(timeout: .seconds(120))
        }
    }

    static func report(_ label: String, _ samples: [Sample]) {
        let sorted = samples.sorted()
        let cpu = samples.map(\.cpu).sorted()
        func ms(_ d: Duration) -> String {
            let value = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
            return String(format: "%8.1f ms", value)
        }
        print(
            "BENCH \(label.padding(toLength: 52, withPad: " ", startingAt: 0)) wall min \(ms(sorted[0].wall)) median \(ms(sorted[sorted.count / 2].wall))  cpu min \(ms(cpu[0]))"
        )
    }

    @Test func walkTheHost() throws {
        let holders = Self.setting("TCPDOCTOR_PROC_BENCH_HOLDERS", 10)
        let perHolder = Self.setting("TCPDOCTOR_PROC_BENCH_SOCKETS", 17_000)
        let script = """
            import socket, time, sys
            keep = [socket.socket() for _ in range(\(perHolder))]
            sys.stdout.write("ready\\n"); sys.stdout.flush()
            time.sleep(600)
            """
        var children: [SpawnedChild] = []
        defer { for child in children { child.terminate() } }
        for _ in 0..<holders {
            children.append(try SpawnedChild(["/usr/bin/python3", "-c", script], command: "python3"))
        }
        for _ in 0..<Self.setting("TCPDOCTOR_PROC_BENCH_IDLE", 400) { children.append(try SpawnedChild()) }
        // Wait until every holder has opened all its sockets.
        for child in children.prefix(holders) {
            var count = 0
            for _ in 0..<3000 {
                count = try FDScanner().scan(pids: [child.pid], threads: 1).owners.holders.count
                if count >= perHolder { break }
                usleep(10_000)
            }
            try #require(count >= perHolder, "holder \(child.pid) opened only \(count) sockets")
        }
        let processes = try FDScanner().scan()
        print(
            "BENCH population: \(processes.openFiles.count) processes, \(processes.openFiles.values.reduce(0, +)) fds, \(processes.owners.holders.count) socket fds, \(processes.owners.socketCount) sockets"
        )

        for threads in [1, 2, 3] {
            var samples: [Sample] = []
            for _ in 0..<7 { samples.append(try Self.time { _ = try FDScanner().scan(threads: threads) }) }
            Self.report("FDScanner.scan(threads: \(threads))", samples)
        }
        let scan = try FDScanner().scan()
        var samples: [Sample] = []
        for _ in 0..<5 { samples.append(Self.time { _ = scan.owners.dictionary() }) }
        Self.report("SocketOwnerTable.dictionary()", samples)
        samples = []
        let unsorted = scan.owners.inodes.indices.map {
            SocketOwnerTable.key(
                inode: scan.owners.inodes[$0],
                pid: scan.owners.holders[$0].pid,
                fd: scan.owners.holders[$0].fd
            )
        }.shuffled()
        for _ in 0..<5 {
            var keys = unsorted
            samples.append(Self.time { _ = SocketOwnerTable(unsortedKeys: &keys) })
        }
        Self.report("SocketOwnerTable sort of \(unsorted.count) keys", samples)
        samples = []
        for _ in 0..<5 {
            samples.append(Self.time { for inode in scan.owners.inodes { _ = scan.owners.owners(of: inode) } })
        }
        Self.report("owners(of:) for every socket fd", samples)
        samples = []
        let reader = ProcessReader()
        for _ in 0..<5 {
            samples.append(Self.time { _ = reader.read(pids: scan.socketHolders, openFiles: scan.openFiles) })
        }
        Self.report("ProcessReader for \(scan.socketHolders.count) socket holders", samples)
        samples = []
        let allPIDs = Array(scan.openFiles.keys)
        for _ in 0..<5 { samples.append(Self.time { _ = reader.read(pids: allPIDs, openFiles: scan.openFiles) }) }
        Self.report("ProcessReader for all \(allPIDs.count) processes", samples)
        samples = []
        for _ in 0..<5 { samples.append(try Self.time { _ = try NamespaceDiscovery().all() }) }
        Self.report("NamespaceDiscovery.all()", samples)

        for (label, command) in [
            ("ls -l /proc/[0-9]*/fd", "ls -l /proc/[0-9]*/fd"),
            ("find /proc/[0-9]*/fd -lname 'socket:*'", "find /proc/[0-9]*/fd -lname 'socket:*' | wc -l"),
            (
                "python3 os.readlink of every fd",
                "/usr/bin/python3 -c \"import os\nfor p in os.listdir('/proc'):\n if p.isdigit():\n  try:\n   d='/proc/'+p+'/fd'\n   for f in os.listdir(d):\n    try: os.readlink(d+'/'+f)\n    except OSError: pass\n  except OSError: pass\""
            ),
        ] {
            var shellSamples: [Sample] = []
            for _ in 0..<3 { shellSamples.append(try Self.shell(command)) }
            Self.report(label, shellSamples)
        }
    }

    /// The /proc/net/tcp fallback on whatever sockets the host has now (populate it first).
    @Test func readProcNetTCP() throws {
        let count = try ProcNetTCPReader().readNamespace().count
        var samples: [Sample] = []
        for _ in 0..<5 { samples.append(try Self.time { _ = try ProcNetTCPReader().readNamespace() }) }
        Self.report("ProcNetTCPReader.readNamespace() (\(count) sockets)", samples)
        var shellSamples: [Sample] = []
        for _ in 0..<5 { shellSamples.append(try Self.shell("cat /proc/net/tcp /proc/net/tcp6 > /dev/null")) }
        Self.report("cat /proc/net/tcp /proc/net/tcp6", shellSamples)
    }
}
