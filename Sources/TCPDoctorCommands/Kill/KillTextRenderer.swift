import TCPDoctorCore
import TCPDoctorOutput

/// The text of `kill`: a headline, one row per socket with its owners and outcome, the failures
/// explained once each, and what a destroyed socket leaves behind.
struct KillTextRenderer {
    let report: KillReport
    let style: TerminalStyle

    func write(to out: inout OutputBuffer) {
        let count = report.results.count
        let sockets = "\(count) TCP socket\(count == 1 ? "" : "s")"
        if let refusal = report.plan.refusal {
            line(style.bold("Nothing was destroyed: ") + refusal.message + ".", &out)
            switch refusal {
            case .emptyFilter:
                line("Without a filter, kill would destroy every one of the \(sockets) it read.", &out)
            case .listening:
                line("The filter matches \(sockets), these listening:", &out)
                writeTable(report.results.filter { $0.socket.state == .listen }, &out)
            }
            return
        } else if count == 0 {
            line("No TCP socket matches; nothing to destroy.", &out)
            return
        } else if !report.acted {
            line(style.bold("Dry run: would destroy \(sockets)") + " (add --yes to destroy them):", &out)
        } else {
            line(style.bold(headline()), &out)
        }
        writeTable(report.results, &out)
        if report.acted { writeFailures(&out) }
        writeDescriptorNote(&out)
    }

    private func headline() -> String {
        let totals = Dictionary(uniqueKeysWithValues: report.totals.map { ($0.code, $0.count) })
        let destroyed = totals["destroyed"] ?? 0
        var parts: [String] = []
        for (code, words) in [
            ("already_gone", "already gone"), ("replaced", "replaced by a new socket"), ("refused", "refused"),
            ("not_supported", "not supported by this kernel"), ("survived", "still there after an ACK"),
        ] {
            if let number = totals[code], number > 0 { parts.append("\(number) \(words)") }
        }
        let rest = parts.isEmpty ? "" : "; " + parts.joined(separator: ", ")
        let gone = report.results.count { $0.outcome.isGone }
        return "Destroyed \(destroyed) of \(report.results.count) sockets\(rest). "
            + "The dump afterwards shows \(gone) of them gone."
    }

    private func writeTable(_ results: [KillReport.Result], _ out: inout OutputBuffer) {
        let snapshot = report.snapshot
        let showNetns = Set(results.map(\.socket.netns)).count > 1 || snapshot.namespaces.count > 1
        var columns: [TextTable.Column] = [
            .left("State"), .right("Recv-Q"), .left("Local Address:Port"), .left("Peer Address:Port"),
        ]
        if showNetns { columns.append(.left("Netns")) }
        columns.append(.left("Process"))
        if report.acted { columns.append(.left("Outcome")) }
        var table = TextTable(columns)
        for result in results {
            let socket = result.socket
            var row = [
                socket.state.netstatName, "\(socket.recvQ)", socket.local.description, socket.remote.description,
            ]
            if showNetns { row.append(snapshot.namespace(socket.netns)?.label ?? "net:[\(socket.netns)]") }
            row.append(owners(of: socket))
            if report.acted { row.append(outcomeCell(result.outcome)) }
            table.append(row)
        }
        table.write(to: &out, style: style)
    }

    private func owners(of socket: SocketRecord) -> String {
        let owners = report.snapshot.owners(of: socket)
        if owners.isEmpty { return socket.inode == 0 ? "(no process: kernel-owned)" : "?" }
        return owners.map { owner in
            "\(report.snapshot.processes[owner.pid]?.command ?? "?") pid=\(owner.pid) fd=\(owner.fd)"
        }.joined(separator: ", ")
    }

    private func outcomeCell(_ outcome: KillOutcome) -> String {
        let word = String(outcome.code.map { $0 == "_" ? " " : $0 })
        switch outcome {
        case .destroyed: return style.green(word)
        case .alreadyGone, .replaced: return word
        default: return style.red(word + (outcome.errno.map { " (\($0.name))" } ?? ""))
        }
    }

    /// Each distinct failure once, with how many sockets it concerns.
    private func writeFailures(_ out: inout OutputBuffer) {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for result in report.results where !result.outcome.isGone {
            let detail = result.outcome.detail
            if counts[detail] == nil { order.append(detail) }
            counts[detail, default: 0] += 1
        }
        for detail in order { line("\(counts[detail] ?? 0) socket(s): \(detail)", &out) }
        for namespace in report.unverified {
            let label = report.snapshot.namespace(namespace.netns)?.label ?? "net:[\(namespace.netns)]"
            line("Not verified in network namespace \(label): \(namespace.reason)", &out)
        }
        if report.results.contains(where: { replaced($0.outcome) }) {
            line("A replaced socket is a new connection on the same addresses; run kill again to destroy it too.", &out)
        }
    }

    private func replaced(_ outcome: KillOutcome) -> Bool {
        if case .replaced = outcome { return true }
        return false
    }

    private func writeDescriptorNote(_ out: inout OutputBuffer) {
        let held = report.results.filter { !report.snapshot.owners(of: $0.socket).isEmpty }
        guard !held.isEmpty else { return }
        out.write("\n")
        if report.acted {
            let fds = report.orphanedDescriptors
            if fds > 0 { line("\(fds) file descriptor(s) of destroyed sockets stay open in their owners.", &out) }
        }
        line(KillReport.descriptorNote, &out)
    }

    private func line(_ text: String, _ out: inout OutputBuffer) {
        out.write(text)
        out.write("\n")
    }
}
