/// Builds `ConfigurationAdvice`: one file per service, user and sysctl set, each setting once
/// (the largest proposal wins), every finding either in a file or in a note.
struct AdviceBuilder {
    let input: DiagnosisInput
    let placements: [Int32: ProcessPlacement]
    /// Pids whose descriptors leak (a CLOSE_WAIT leak or dead socket fds of theirs is a finding).
    let leaking: [Int32: String]
    private var files: [String: ConfigurationAdvice.File] = [:]
    private var order: [String] = []
    private var notes: [ConfigurationAdvice.Note] = []

    /// Where the host's sysctl snippet goes.
    static let sysctlPath = "/etc/sysctl.d/90-tcpdoctor.conf"

    init(input: DiagnosisInput, placements: [Int32: ProcessPlacement], findings: [Finding]) {
        self.input = input
        self.placements = placements
        var leaking: [Int32: String] = [:]
        for finding in findings where finding.rule == "close-wait-leak" || finding.rule == "dead-socket-fds" {
            for process in finding.processes where leaking[process.pid] == nil { leaking[process.pid] = finding.id }
        }
        self.leaking = leaking
    }

    mutating func add(_ finding: Finding) {
        switch finding.rule {
        case "fd-exhaustion": fileLimit(finding)
        case "listen-backlog": backlog(finding)
        case "time-wait": timeWait(finding)
        case "kernel-settings": kernelSettings(finding)
        case "fin-wait2": finWait2(finding)
        default:
            note(
                finding,
                "No configuration addresses this; the fix is in the program: \(finding.remedies.first ?? finding.why)"
            )
        }
    }

    func finish() -> ConfigurationAdvice {
        ConfigurationAdvice(files: order.compactMap { files[$0] }, notes: notes)
    }

    // MARK: - The rules

    private mutating func backlog(_ finding: Finding) {
        let asked = integer(finding, "backlog") ?? 0
        guard case .boolean(true)? = value(finding, "backlog_capped_by_somaxconn") else {
            note(
                finding,
                "The accept queue is full at the backlog the program asked for in listen() (\(asked)); no kernel setting "
                    + "raises it: ask for a larger backlog and accept faster (\(finding.remedies.first ?? ""))."
            )
            return
        }
        let facts = input.facts(finding.netns?.inode ?? 0)
        let somaxconn = facts?.integer("net.core.somaxconn") ?? asked
        let proposed = min(65535, max(4096, somaxconn * 4))
        sysctl(
            finding,
            "net.core.somaxconn",
            current: somaxconn,
            proposed: proposed,
            why:
                "the program asks listen() for more than somaxconn, which cuts its backlog to \(somaxconn); it gains only "
                + "if its own backlog is at least the new value"
        )
        if let synBacklog = facts?.integer("net.ipv4.tcp_max_syn_backlog"), synBacklog < proposed {
            sysctl(
                finding,
                "net.ipv4.tcp_max_syn_backlog",
                current: synBacklog,
                proposed: proposed,
                why: "half-open connections per listener, kept at least the accept backlog"
            )
        }
    }

    private mutating func timeWait(_ finding: Finding) {
        guard case .text(let destination)? = value(finding, "destination") else {
            note(
                finding,
                "TIME_WAIT on a server's port costs no descriptor and little memory, and needs no setting; a shorter "
                    + "tcp_fin_timeout would not shorten it (it governs orphaned FIN_WAIT2). \(finding.remedies.first ?? "")"
            )
            return
        }
        let facts = input.facts(finding.netns?.inode ?? 0)
        if let range = facts?.localPortRange, range.count < 50001 {
            // A service that restarts later must find its port free: connect() may take any port
            // of the range that nothing is bound to at that moment.
            let reserved = listeningPorts(in: finding.netns?.inode ?? 0, within: 15000...65000)
            sysctl(
                finding,
                "net.ipv4.ip_local_port_range",
                currentText: "\(range.lowerBound) \(range.upperBound)",
                proposedText: "15000 65000",
                why: "\(range.count) ephemeral ports toward \(destination), each held 60 s in TIME_WAIT after a close; "
                    + "50,001 lets that many more connections a minute"
            )
            if !reserved.isEmpty {
                sysctl(
                    finding,
                    "net.ipv4.ip_local_reserved_ports",
                    currentText: facts?.sysctls["net.ipv4.ip_local_reserved_ports"],
                    proposedText: reserved.sorted().map(String.init).joined(separator: ","),
                    why:
                        "ports that listen now inside the wider range: connect() must never take them while their service restarts"
                )
            }
        }
        let reuse = facts?.integer("net.ipv4.tcp_tw_reuse")
        if reuse != 1 {
            if facts?.integer("net.ipv4.tcp_timestamps") == 0 {
                note(
                    finding,
                    "tcp_tw_reuse would let connect() reuse TIME_WAIT ports toward \(destination), but it needs "
                        + "TCP timestamps, which are off (net.ipv4.tcp_timestamps = 0)."
                )
            } else {
                sysctl(
                    finding,
                    "net.ipv4.tcp_tw_reuse",
                    currentText: reuse.map(String.init),
                    proposedText: "1",
                    why:
                        "lets connect() take over a TIME_WAIT 4-tuple toward \(destination) when timestamps prove it safe; "
                        + "outgoing connections only, unlike the removed tcp_tw_recycle"
                )
            }
        }
        note(
            finding,
            "Fewer new connections is the fix that lasts: \(finding.remedies.first ?? "reuse connections (keep-alive, pooling)")."
        )
    }

    private mutating func kernelSettings(_ finding: Finding) {
        if integer(finding, "tcp_tw_recycle") != nil {
            sysctl(
                finding,
                "net.ipv4.tcp_tw_recycle",
                current: integer(finding, "tcp_tw_recycle"),
                proposed: 0,
                why: "it drops connections from clients behind NAT; Linux 4.12 removed it"
            )
        } else if let maximum = integer(finding, "tcp_max_tw_buckets") {
            sysctl(
                finding,
                "net.ipv4.tcp_max_tw_buckets",
                current: maximum,
                proposed: maximum * 2,
                why:
                    "past it the kernel drops TIME_WAIT sockets at once, which loses their protection against stray segments"
            )
        } else if let maximum = integer(finding, "tcp_max_orphans") {
            sysctl(
                finding,
                "net.ipv4.tcp_max_orphans",
                current: maximum,
                proposed: maximum * 2,
                why: "past it the kernel resets new orphans instead of finishing their close (each costs up to 64 KiB)"
            )
        } else {
            note(finding, "No configuration addresses this: \(finding.remedies.first ?? finding.why)")
        }
    }

    private mutating func finWait2(_ finding: Finding) {
        let orphaned = integer(finding, "orphaned") ?? 0
        let timeout = input.facts(finding.netns?.inode ?? 0)?.integer("net.ipv4.tcp_fin_timeout")
        guard orphaned > 0, let timeout, timeout > 30 else {
            note(
                finding,
                "FIN_WAIT2 sockets a process still holds wait for its peer's FIN; no setting bounds them: "
                    + (finding.remedies.first ?? finding.why)
            )
            return
        }
        sysctl(
            finding,
            "net.ipv4.tcp_fin_timeout",
            current: timeout,
            proposed: 30,
            why:
                "\(orphaned) orphaned FIN_WAIT2 sockets wait for peers that never send their FIN; this bounds how long (it does not change TIME_WAIT)"
        )
    }

    // MARK: - Files and notes

    mutating func sysctl(_ finding: Finding, _ name: String, current: Int64?, proposed: Int64, why: String) {
        sysctl(finding, name, currentText: current.map(String.init), proposedText: String(proposed), why: why)
    }

    mutating func sysctl(
        _ finding: Finding,
        _ name: String,
        currentText: String?,
        proposedText: String,
        why: String
    ) {
        if let netns = finding.netns, netns.label != "host" {
            note(
                finding,
                "\(name) = \(proposedText) in namespace \(netns.label) (now \(currentText ?? "unknown")): \(why). "
                    + "/etc/sysctl.d sets the host's namespace only: set it inside with `ip netns exec NAME sysctl -w "
                    + "\(name)=\"\(proposedText)\"`, or the container runtime's sysctls (docker run --sysctl, Kubernetes "
                    + "securityContext.sysctls)."
            )
            return
        }
        let setting = ConfigurationAdvice.Setting(name: name, current: currentText, proposed: proposedText, why: why)
        merge(Self.sysctlPath, kind: .sysctl, setting, finding, apply: ["sysctl -p \(Self.sysctlPath)"]) { settings in
            settings.map { "\($0.name) = \($0.proposed)\n" }.joined()
        }
    }

    /// Adds `setting` to the file at `path` (made on first use), keeping one setting per name.
    mutating func merge(
        _ path: String,
        kind: ConfigurationAdvice.File.Kind,
        _ setting: ConfigurationAdvice.Setting,
        _ finding: Finding,
        apply: [String],
        render: ([ConfigurationAdvice.Setting]) -> String
    ) {
        var file =
            files[path]
            ?? ConfigurationAdvice.File(kind: kind, path: path, settings: [], findings: [], apply: apply, contents: "")
        if files[path] == nil { order.append(path) }
        if let index = file.settings.firstIndex(where: { $0.name == setting.name }) {
            if Self.larger(setting.proposed, than: file.settings[index].proposed) { file.settings[index] = setting }
        } else {
            file.settings.append(setting)
        }
        if !file.findings.contains(finding.id) { file.findings.append(finding.id) }
        // The texts name processes, whose names their owners chose: escaped, a newline in one can
        // never start a directive of its own in a file root reads.
        let header =
            "# Written by `tcpdoctor doctor --config` for: \(file.findings.joined(separator: ", "))\n"
            + file.settings.map {
                TextEscaping.escaped("# \($0.name): \($0.current ?? "unknown") -> \($0.proposed): \($0.why)") + "\n"
            }.joined()
        file.contents = header + render(file.settings)
        files[path] = file
    }

    mutating func note(_ finding: Finding, _ text: String) {
        notes.append(ConfigurationAdvice.Note(finding: finding.id, text: text))
    }

    /// Letters, digits, `.`, `_`, `-` and `extra` only, and not `.` or `..`: safe in a path and a file.
    static func isSafeName(_ name: String, extra: String) -> Bool {
        guard !name.isEmpty, name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                || "._-\(extra)".unicodeScalars.contains($0)
        }
    }

    private static func larger(_ left: String, than right: String) -> Bool {
        guard let l = Int64(left), let r = Int64(right) else { return false }
        return l > r
    }

    // MARK: - Evidence

    func value(_ finding: Finding, _ key: String) -> EvidenceValue? {
        finding.evidence.first { $0.key == key }?.value
    }

    func integer(_ finding: Finding, _ key: String) -> Int64? {
        if case .integer(let value)? = value(finding, key) { return value }
        return nil
    }

    private func listeningPorts(in netns: UInt64, within range: ClosedRange<Int>) -> Set<Int> {
        var ports: Set<Int> = []
        for socket in input.snapshot.sockets where socket.state == .listen && (netns == 0 || socket.netns == netns) {
            let port = Int(socket.local.port)
            if range.contains(port) { ports.insert(port) }
        }
        return ports
    }
}
