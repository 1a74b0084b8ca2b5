import TCPDoctorCore
import Testing

@testable import TCPDoctorServe

/// The metric families of a snapshot built by hand: folding past the top K, the series cap,
/// what a group counts, and that no command line reaches a label.
struct SnapshotMetricsTests {
    static let host: UInt64 = 4_026_531_833

    /// `processes` processes, process i holding i + 1 CLOSE_WAIT sockets, each a command of its own.
    static func snapshot(processes: Int) -> Snapshot {
        var sockets: [SocketRecord] = []
        var owners: [UInt64: [SocketOwner]] = [:]
        var table: [Int32: TCPProcess] = [:]
        var inode: UInt64 = 1000
        for index in 0..<processes {
            let pid = Int32(100 + index)
            table[pid] = TCPProcess(
                pid: pid,
                command: "cmd\(index)",
                argv: ["/usr/bin/cmd\(index)", "--password=hunter2"],
                openFiles: 10 * (index + 1),
                fileLimitSoft: 1024,
                netns: host
            )
            for _ in 0...index {
                inode += 1
                sockets.append(
                    SocketRecord(
                        state: .closeWait,
                        local: Endpoint(address: IPAddress(ipv4: 0x7f00_0001), port: 8000),
                        remote: Endpoint(address: IPAddress(ipv4: 0x7f00_0001), port: UInt16(40000 + inode % 1000)),
                        recvQ: 1,
                        inode: inode,
                        netns: host
                    )
                )
                owners[inode] = [SocketOwner(pid: pid, fd: Int32(inode % 1000))]
            }
        }
        sockets.append(
            SocketRecord(
                state: .listen,
                local: Endpoint(address: IPAddress(ipv4: 0), port: 8000),
                remote: Endpoint(address: IPAddress(ipv4: 0), port: 0),
                recvQ: 3,
                sendQ: 128,
                netns: host
            )
        )
        return Snapshot(
            takenAt: 1_800_000_000,
            sockets: sockets,
            namespaces: [NetworkNamespace(inode: host, isHost: true)],
            owners: SocketOwnerTable(owners),
            processes: table,
            coverage: Coverage(ownersScanned: true)
        )
    }

    static func metrics(_ snapshot: Snapshot, _ limits: MetricLimits, findings: [Finding] = []) -> SnapshotMetrics {
        SnapshotMetrics(DiagnosisInput(snapshot: snapshot), findings: findings, limits: limits)
    }

    static func family(_ metrics: SnapshotMetrics, _ name: String) throws -> MetricFamily {
        try #require(metrics.families.first { $0.name == name }, "no family \(name)")
    }

    @Test func processesPastTheTopKAreSummedIntoOther() throws {
        let metrics = Self.metrics(Self.snapshot(processes: 8), MetricLimits(top: 3))
        let sockets = try Self.family(metrics, "tcpdoctor_process_sockets")
        // The three largest (cmd7, cmd6, cmd5: 8, 7 and 6 sockets), then other: 1 + 2 + ... + 5.
        #expect(sockets.value(["cmd7", "CLOSE_WAIT"]) == 8)
        #expect(sockets.value(["cmd5", "CLOSE_WAIT"]) == 6)
        #expect(sockets.value(["cmd4", "CLOSE_WAIT"]) == nil)
        #expect(sockets.value(["other", "CLOSE_WAIT"]) == 15)
        #expect(Set(sockets.samples.map { $0.labels[0] }) == ["cmd7", "cmd6", "cmd5", "other"])
        let instances = try Self.family(metrics, "tcpdoctor_process_instances")
        #expect(instances.value(["other"]) == 5)
        let open = try Self.family(metrics, "tcpdoctor_process_open_fds")
        #expect(open.value(["other"]) == 150)
        let ratio = try Self.family(metrics, "tcpdoctor_process_worst_fd_ratio")
        #expect(ratio.value(["cmd7"]) == 80.0 / 1024)
        #expect(ratio.value(["other"]) == 50.0 / 1024)
        // Five groups folded, each of 11 state series and 5 gauges.
        #expect(metrics.folded["tcpdoctor_process"] == 5 * 16)
    }

    @Test func everyStateIsListedPerGroupAndPerNamespace() throws {
        let metrics = Self.metrics(Self.snapshot(processes: 2), MetricLimits())
        let sockets = try Self.family(metrics, "tcpdoctor_sockets")
        #expect(sockets.samples.count == TCPState.displayed.count)
        #expect(sockets.value(["host", "CLOSE_WAIT"]) == 3)
        #expect(sockets.value(["host", "LISTEN"]) == 1)
        #expect(sockets.value(["host", "ESTABLISHED"]) == 0)
        let queue = try Self.family(metrics, "tcpdoctor_listen_queue_length")
        #expect(queue.value(["host", "8000"]) == 3)
        #expect(try Self.family(metrics, "tcpdoctor_listen_backlog").value(["host", "8000"]) == 128)
    }

    @Test func theCapCutsTheLaterFamiliesAndCountsWhatItDropped() throws {
        let snapshot = Self.snapshot(processes: 40)
        let whole = Self.metrics(snapshot, MetricLimits(top: 100, maxSeries: 100_000))
        #expect(whole.dropped == 0)
        let capped = Self.metrics(snapshot, MetricLimits(top: 100, maxSeries: 200))
        #expect(capped.seriesCount == 200 - MetricCatalog.selfSeriesCount)
        #expect(capped.dropped == whole.seriesCount - capped.seriesCount)
        // The doctor and the host come first and survive the cap.
        #expect(try Self.family(capped, "tcpdoctor_findings").samples.count == 3)
        #expect(try Self.family(capped, "tcpdoctor_sockets").samples.count == TCPState.displayed.count)
    }

    @Test func pidLabelsSplitAGroupPerProcess() throws {
        var snapshot = Self.snapshot(processes: 2)
        for pid in snapshot.processes.keys { snapshot.processes[pid]?.command = "same" }
        let byCommand = try Self.family(Self.metrics(snapshot, MetricLimits()), "tcpdoctor_process_sockets")
        #expect(byCommand.labelNames == ["process", "state"])
        #expect(byCommand.value(["same", "CLOSE_WAIT"]) == 3)
        let byPID = try Self.family(Self.metrics(snapshot, MetricLimits(pidLabels: true)), "tcpdoctor_process_sockets")
        #expect(byPID.labelNames == ["process", "pid", "state"])
        #expect(byPID.value(["same", "100", "CLOSE_WAIT"]) == 1)
        #expect(byPID.value(["same", "101", "CLOSE_WAIT"]) == 2)
    }

    @Test func noLabelHoldsTheCommandLine() {
        let metrics = Self.metrics(Self.snapshot(processes: 3), MetricLimits())
        let text = ExpositionWriter.write(metrics.families, format: .prometheusText)
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("/usr/bin/cmd"))
        #expect(text.contains("process=\"cmd2\""))
    }

    @Test func findingsOfOneProgramShareASubjectAndTheRestFoldPerRule() throws {
        let findings = (0..<5).map { (index: Int) -> Finding in
            let command = index < 2 ? "server" : "w\(index)"
            return Finding(
                rule: "close-wait-leak",
                severity: index < 2 ? .critical : .warning,
                summary: "s",
                processes: [Finding.Process(pid: Int32(100 + index), command: command)],
                size: Int64(10 * (index + 1)),
                why: "w",
                place: "8000"
            )
        }
        let metrics = Self.metrics(Self.snapshot(processes: 1), MetricLimits(top: 2), findings: findings)
        let each = try Self.family(metrics, "tcpdoctor_finding")
        // Two pre-fork workers of `server` are one subject: 10 + 20.
        #expect(each.labelNames == ["rule", "severity", "subject", "process", "place"])
        #expect(each.value(["close-wait-leak", "critical", "server/8000", "server", "8000"]) == 30)
        #expect(each.value(["close-wait-leak", "warning", "w4/8000", "w4", "8000"]) == 50)
        #expect(each.value(["close-wait-leak", "warning", "other", "other", ""]) == 70)
        #expect(metrics.folded["tcpdoctor_finding"] == 2)
        let bySeverity = try Self.family(metrics, "tcpdoctor_findings")
        #expect(bySeverity.value(["critical"]) == 2)
        #expect(bySeverity.value(["warning"]) == 3)
        #expect(bySeverity.value(["info"]) == 0)
    }

    @Test func theSoonestProcessToItsLimitGivesItsGroupsSeconds() throws {
        var snapshot = Self.snapshot(processes: 3)
        // pids 100 and 101 are two processes of one program; 102 does not grow.
        snapshot.processes[101]?.command = "cmd0"
        let metrics = SnapshotMetrics(
            DiagnosisInput(snapshot: snapshot),
            findings: [],
            fdLimitSeconds: [100: 600, 101: 90],
            limits: MetricLimits()
        )
        let seconds = try Self.family(metrics, "tcpdoctor_process_fd_limit_seconds")
        #expect(seconds.value(["cmd0"]) == 90)
        // A group none of whose processes grows has no series at all, not a 0 or an infinity.
        #expect(seconds.samples.count == 1)
    }

    @Test func kernelCountersAreCountersOfTheKeptNamespaces() throws {
        var host = HostFacts()
        host.namespaces[Self.host] = NamespaceFacts(
            sysctls: ["net.ipv4.ip_local_port_range": "32768\t60999"],
            counters: ["TcpExt.ListenOverflows": 7, "Tcp.RetransSegs": 9]
        )
        let input = DiagnosisInput(snapshot: Self.snapshot(processes: 1), host: host)
        let metrics = SnapshotMetrics(input, findings: [], limits: MetricLimits())
        let overflows = try Self.family(metrics, "tcpdoctor_kernel_listen_overflows")
        #expect(overflows.kind == .counter)
        #expect(overflows.sampleName == "tcpdoctor_kernel_listen_overflows_total")
        #expect(overflows.value(["host"]) == 7)
        #expect(try Self.family(metrics, "tcpdoctor_kernel_retransmitted_segments").value(["host"]) == 9)
        #expect(try Self.family(metrics, "tcpdoctor_ephemeral_ports").value(["host"]) == 28232)
    }
}
