import Glibc
import TCPDoctorCore
import TCPDoctorOutput

/// The table `free-fds` prints on a terminal: a headline, one row per fd, the refused fds, the
/// fd counts and the stop, and the risk.
enum FreeFDsText {
    static func write(_ report: FDFreeReport, style: TerminalStyle, to out: inout OutputBuffer) {
        let name = report.command.map { " (\(TextEscaping.escaped($0)))" } ?? ""
        let plan = report.plan
        let verb =
            report.acted ? "freed \(report.freedCount) of \(plan.targets.count)" : "would free \(plan.targets.count)"
        out.write(style.bold("free-fds: process \(plan.pid)\(name): \(verb) socket fds (\(plan.mode.rawValue))") + "\n")
        if !plan.targets.isEmpty {
            var table = TextTable([
                .right("FD"), .right("Inode"), .left("State"), .left("Local"), .left("Remote"), .left("Result"),
            ])
            for outcome in report.outcomes {
                let target = outcome.target
                table.append([
                    "\(target.fd)", "\(target.inode)", target.state?.netstatName ?? "dead",
                    target.local?.description ?? "-", target.remote?.description ?? "-", detail(outcome, report.acted),
                ])
            }
            table.write(to: &out, style: style)
        }
        for refusal in plan.refusals {
            out.write("refused fd \(refusal.target.fd) (inode \(refusal.target.inode)): \(refusal.detail)\n")
        }
        let counts = [report.fdsBefore.map { "\($0) open fds" }, report.fdsAfter.map { "\($0) after" }]
            .compactMap { $0 }.joined(separator: ", ")
        if !counts.isEmpty { out.write(counts + "\n") }
        if let stopped = report.stoppedNanoseconds {
            let milliseconds = Double(stopped) / 1e6
            out.write("stopped \(report.threads) thread(s) for \(format(milliseconds)) ms, once\n")
        }
        if plan.targets.isEmpty {
            out.write("nothing to free: no CLOSE_WAIT or dead socket fd matches\n")
        } else if !report.acted {
            out.write("dry run: nothing was changed; --yes \(plan.mode.frees)\n")
        } else {
            out.write("mode: \(plan.mode.frees)\n")
        }
        if !plan.targets.isEmpty { out.write(style.yellow("risk: ") + FDFreeReport.risk + "\n") }
    }

    private static func detail(_ outcome: FDFreeOutcome, _ acted: Bool) -> String {
        var text: String
        switch outcome.result {
        case .planned: text = outcome.target.isLeak ? "would free" : "would free (--force)"
        case .closed: text = "closed"
        case .replaced: text = "now /dev/null"
        case .changed(let inode): text = "skipped: the fd changed" + (inode.map { " (now inode \($0))" } ?? " (closed)")
        case .failed(let call, let number): text = "failed: \(call): \(String(cString: strerror(number)))"
        case .notAttempted(let reason): text = "not attempted: \(reason)"
        }
        if !outcome.target.otherHolders.isEmpty {
            let pids = Set(outcome.target.otherHolders.map(\.pid)).sorted().map(String.init).joined(separator: ",")
            text += "; also held by pid \(pids)"
        }
        return text
    }

    private static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
