/// The advice for descriptor limits: a process at its soft limit (a systemd drop-in, a
/// limits.d file, a note for a container) and the system at fs.file-max.
extension AdviceBuilder {
    mutating func fileLimit(_ finding: Finding) {
        guard let soft = integer(finding, "fd_limit_soft"), let process = finding.processes.first else {
            systemFileLimit(finding)
            return
        }
        let record = input.snapshot.processes[process.pid]
        let hard = integer(finding, "fd_limit_hard")
        let proposed = ConfigurationAdvice.proposedFileLimit(
            openFiles: record?.openFiles ?? Int(clamping: finding.size ?? 0),
            soft: UInt64(clamping: soft),
            hard: hard.map { UInt64(clamping: $0) },
            nrOpen: input.host.nrOpen
        )
        var why = "pid \(process.pid) (\(process.command)) uses \(record?.openFiles ?? 0) of its \(soft) open files"
        if let leak = leaking[process.pid] {
            why +=
                "; its descriptors leak (\(leak)): a higher limit only postpones the failure, the fix is in the program"
        } else {
            why += "; room for four times that"
        }
        let current = hard.map { "\(soft):\($0)" } ?? "\(soft)"
        var placement = placements[process.pid] ?? .session
        switch placement {
        case .systemService(let unit), .userService(let unit, _):
            // systemd's own alphabet for unit names; anything else is not a unit this file can name.
            if !Self.isSafeName(unit, extra: ":@\\") { placement = .session }
        default: break
        }
        switch placement {
        case .systemService(let unit):
            dropIn(
                unit,
                path: "/etc/systemd/system/\(unit).d/90-tcpdoctor-nofile.conf",
                proposed,
                current,
                why,
                finding,
                apply: ["systemctl daemon-reload", "systemctl restart \(unit)"]
            )
        case .userService(let unit, let uid):
            dropIn(
                unit,
                path: "/etc/systemd/user/\(unit).d/90-tcpdoctor-nofile.conf",
                proposed,
                current,
                why,
                finding,
                apply: [
                    "systemctl --user daemon-reload (as uid \(uid))",
                    "systemctl --user restart \(unit) (as uid \(uid))",
                ]
            )
        case .container(let runtime, let id):
            note(
                finding,
                "pid \(process.pid) runs in a \(runtime) container (\(id.prefix(12))): its limit comes from the runtime, "
                    + "not from this host's files; start it with `--ulimit nofile=\(proposed):\(proposed)` (docker, podman) "
                    + "or set the runtime's default (containerd's and CRI-O's LimitNOFILE). \(why)."
            )
        case .session:
            guard let user = record?.user, Self.isSafeName(user, extra: "$") else {
                note(
                    finding,
                    "pid \(process.pid)'s user has no plain name in /etc/passwd: no limits.d entry can name it. \(why)."
                )
                return
            }
            let path = "/etc/security/limits.d/90-tcpdoctor-\(user).conf"
            let setting = ConfigurationAdvice.Setting(
                name: "nofile",
                current: current,
                proposed: "\(proposed)",
                why: why
            )
            merge(
                path,
                kind: .limits,
                setting,
                finding,
                apply: [
                    "log in again and restart pid \(process.pid)'s program (pam_limits applies at login)",
                    "now, for the running process: prlimit --pid \(process.pid) --nofile=\(proposed):\(proposed) (above its hard limit this needs CAP_SYS_RESOURCE)",
                ]
            ) { settings in
                settings.map { "\(user) soft nofile \($0.proposed)\n\(user) hard nofile \($0.proposed)\n" }.joined()
            }
        }
    }

    private mutating func dropIn(
        _ unit: String,
        path: String,
        _ proposed: UInt64,
        _ current: String,
        _ why: String,
        _ finding: Finding,
        apply: [String]
    ) {
        let setting = ConfigurationAdvice.Setting(
            name: "LimitNOFILE",
            current: current,
            proposed: "\(proposed)",
            why: why
        )
        merge(path, kind: .systemdDropIn, setting, finding, apply: apply) { settings in
            "[Service]\n" + settings.map { "LimitNOFILE=\($0.proposed)\n" }.joined()
        }
    }

    private mutating func systemFileLimit(_ finding: Finding) {
        guard let maximum = integer(finding, "file_max") else {
            note(finding, "No configuration addresses this: \(finding.remedies.first ?? finding.why)")
            return
        }
        sysctl(
            finding,
            "fs.file-max",
            current: maximum,
            proposed: maximum * 2,
            why:
                "the system's file handles are near fs.file-max (\(maximum)); twice that, and find the process that holds most"
        )
    }
}
