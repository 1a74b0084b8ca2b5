/// Finds processes near their open-file limit, says what holds their descriptors, and checks the
/// system-wide file table.
///
/// At the RLIMIT_NOFILE soft limit every call that makes a descriptor fails with EMFILE ("Too
/// many open files"): accept() stops, so new connections overflow the accept queue. The honest
/// fix is the leak, so the finding breaks the process's fds down by TCP state (counting each fd,
/// so a socket held twice counts twice), dead socket fds, and other files. The system-wide
/// `fs.file-nr` against `fs.file-max` (ENFILE) is judged with the same shares.
///
/// Thresholds: `fd.warning` and `fd.critical`, shares of the soft limit (or of `fs.file-max`).
public struct FDExhaustionRule: DiagnosisRule {
    public let id = "fd-exhaustion"
    public let summary = "processes (or the system) near their open-file limit, and what holds the descriptors"

    public init() {}

    public func diagnose(_ input: DiagnosisInput) -> [Finding] {
        let warning = input.thresholds[.fdWarning]
        let critical = input.thresholds[.fdCritical]
        var culprits: [(process: TCPProcess, share: Double)] = []
        for process in input.snapshot.processes.values {
            guard let limit = process.fileLimitSoft, limit > 0 else { continue }
            let share = Double(process.openFiles) / Double(limit)
            if share >= warning { culprits.append((process, share)) }
        }
        culprits.sort { $0.share != $1.share ? $0.share > $1.share : $0.process.pid < $1.process.pid }
        var findings: [Finding] = []
        if !culprits.isEmpty {
            let holdings = socketFDs(of: Set(culprits.map(\.process.pid)), in: input.snapshot)
            for (process, share) in culprits {
                findings.append(
                    finding(
                        process,
                        share: share,
                        severity: share >= critical ? .critical : .warning,
                        states: holdings[process.pid] ?? [:],
                        input: input
                    )
                )
            }
        }
        if let allocated = input.host.fileHandlesAllocated, let maximum = input.host.fileHandlesMaximum, maximum > 0 {
            let share = Double(allocated) / Double(maximum)
            if share >= warning {
                findings.append(
                    systemFinding(
                        allocated: allocated,
                        maximum: maximum,
                        share: share,
                        critical: share >= critical,
                        input
                    )
                )
            }
        }
        return findings
    }

    /// The TCP socket fds of `pids` by state: one pass over the sockets, one lookup each.
    private func socketFDs(of pids: Set<Int32>, in snapshot: Snapshot) -> [Int32: [TCPState: Int]] {
        var result: [Int32: [TCPState: Int]] = [:]
        for socket in snapshot.sockets where socket.inode != 0 {
            for owner in snapshot.owners(of: socket) where pids.contains(owner.pid) {
                result[owner.pid, default: [:]][
                    socket.state == .newSynReceived ? .synReceived : socket.state,
                    default: 0
                ] += 1
            }
        }
        return result
    }

    private func finding(
        _ read: TCPProcess,
        share: Double,
        severity: Finding.Severity,
        states: [TCPState: Int],
        input: DiagnosisInput
    ) -> Finding {
        let record = input.culprit(read.pid) ?? read
        let process = input.findingProcess(record.pid)
        let limit = record.fileLimitSoft ?? 0
        let dead = input.snapshot.deadSocketFDs.reduce(0) { $0 + ($1.owner.pid == record.pid ? 1 : 0) }
        let tcp = states.values.reduce(0, +)
        let other = max(0, record.openFiles - tcp - dead)
        let ordered = states.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var evidence: [EvidenceField] = [
            EvidenceField("fd_limit_soft", .integer(Int64(clamping: limit))),
            EvidenceField("fd_limit_share", shareValue(share)),
        ]
        if let hard = record.fileLimitHard {
            evidence.append(EvidenceField("fd_limit_hard", .integer(Int64(clamping: hard))))
        }
        if let nrOpen = input.host.nrOpen { evidence.append(EvidenceField("nr_open", .integer(nrOpen))) }
        evidence.append(
            EvidenceField(
                "tcp_socket_fds",
                .object(ordered.map { EvidenceField($0.key.netstatName.lowercased(), .integer(Int64($0.value))) })
            )
        )
        evidence.append(EvidenceField("dead_socket_fds", .integer(Int64(dead))))
        evidence.append(EvidenceField("other_files", .integer(Int64(other))))
        if let allocated = input.host.fileHandlesAllocated {
            evidence.append(EvidenceField("system_file_handles", .integer(allocated)))
        }
        if let maximum = input.host.fileHandlesMaximum { evidence.append(EvidenceField("file_max", .integer(maximum))) }
        if let runtime = runtimeEvidence([record]) { evidence.append(runtime) }

        // What holds most of the descriptors decides which leak to fix first.
        var holders: [(label: String, count: Int, topic: RemedyTopic?, remedy: String)] = ordered.map { state, count in
            switch state {
            case .closeWait:
                ("CLOSE_WAIT sockets", count, .closeWait, "The CLOSE_WAIT sockets are the leak: see close-wait-leak.")
            case .established:
                (
                    "ESTABLISHED connections", count, nil,
                    "Many open connections: check pool sizes, concurrency limits and idle timeouts."
                )
            default:
                (
                    "\(state.netstatName) sockets", count, nil,
                    "Look at why \(state.netstatName) sockets accumulate (`tcpdoctor explain \(state.ssName)`)."
                )
            }
        }
        holders.append(
            ("dead socket fds", dead, .deadSocketFDs, "The dead socket fds are the leak: see dead-socket-fds.")
        )
        holders.append(
            (
                "other files", other, nil,
                "Most descriptors are not TCP sockets: `ls -l /proc/\(record.pid)/fd` shows which files, pipes or other sockets stay open."
            )
        )
        let main = holders.max { $0.count != $1.count ? $0.count < $1.count : $0.label > $1.label }
        var summary = "\(describe(process)) uses \(record.openFiles) of its \(limit) open files (\(percent(share)))"
        if let main, main.count > 0 { summary += ", mostly \(main.label) (\(main.count))" }
        var why = [
            "At the RLIMIT_NOFILE soft limit every call that makes a descriptor fails with EMFILE (\"Too many open files\"): accept() stops taking connections, which pile up in the accept queue and overflow; connect(), open() and pipe() fail too."
        ]
        let breakdown = ordered.prefix(4).map { "\($0.value) \($0.key.netstatName)" }
        why.append(
            "Its descriptors: \(tcp) TCP sockets\(breakdown.isEmpty ? "" : " (" + breakdown.joined(separator: ", ") + ")"), \(dead) dead socket fds and \(other) other files (including pipes, regular files and non-TCP sockets)."
        )
        if let hard = record.fileLimitHard {
            why.append(
                "The soft limit can be raised up to the hard limit (\(hard)) without privilege\(input.host.nrOpen.map { "; no hard limit can exceed fs.nr_open (\($0))" } ?? "")."
            )
        }
        var remedies: [String] = []
        if let main, main.count > 0 {
            remedies.append(main.remedy)
            if let topic = main.topic { remedies += RemedyCatalog.remedies(for: topic, processes: [record]).prefix(2) }
        }
        remedies += RemedyCatalog.remedies(for: .fileLimit, processes: [record])
        return Finding(
            rule: id,
            severity: severity,
            summary: summary,
            processes: [process],
            netns: input.findingNamespace(record.netns),
            size: Int64(record.openFiles),
            evidence: evidence,
            why: why.joined(separator: " "),
            remedies: remedies
        )
    }

    private func systemFinding(
        allocated: Int64,
        maximum: Int64,
        share: Double,
        critical: Bool,
        _ input: DiagnosisInput
    ) -> Finding {
        let top = input.snapshot.processes.values
            .sorted { $0.openFiles != $1.openFiles ? $0.openFiles > $1.openFiles : $0.pid < $1.pid }
            .prefix(5)
        return Finding(
            rule: id,
            severity: critical ? .critical : .warning,
            summary: "the system has \(allocated) of fs.file-max \(maximum) file handles allocated (\(percent(share)))",
            processes: top.map { Finding.Process(pid: $0.pid, command: $0.command) },
            size: allocated,
            evidence: [
                EvidenceField("file_max", .integer(maximum)),
                EvidenceField("file_max_share", shareValue(share)),
                EvidenceField(
                    "largest_holders",
                    .list(
                        top.map {
                            .object([
                                EvidenceField("pid", .integer(Int64($0.pid))),
                                EvidenceField("open_files", .integer(Int64($0.openFiles))),
                            ])
                        }
                    )
                ),
            ],
            why:
                "fs.file-nr counts the file handles allocated in the whole system; at fs.file-max every process's open(), socket() and accept() fail with ENFILE (\"Too many open files in system\"), whatever its own limit. The processes listed hold the most descriptors among those that hold sockets.",
            remedies: [
                "Find and fix the process that leaks descriptors first; the largest holders are listed.",
                "Raise fs.file-max (`sysctl -w fs.file-max=N`, persisted in /etc/sysctl.d) only once the leak is fixed.",
            ]
        )
    }
}
