import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorOutput

/// The default `tcpdoctor capture` output: what was read, how connections ended, who closed
/// first, who held CLOSE_WAIT most and longest, and the findings in the doctor's form.
enum CaptureReport {
    /// How many holders the CLOSE_WAIT tables list.
    static let holderRows = 10
    /// How many findings the report prints in full; a capture of a leaking fleet can have
    /// thousands (one per holder and peer), which `--json` lists all of.
    static let findingsShown = 10

    /// Groups that held CLOSE_WAIT (at least the summary's threshold) on the most connections.
    static func mostCloseWait(_ summary: CaptureSummary) -> [CloseWaitGroup] {
        summary.closeWaitGroups(heldAtLeast: 1, first: holderRows)
    }

    /// Groups whose longest CLOSE_WAIT reached the threshold, longest first.
    static func longestCloseWait(_ summary: CaptureSummary) -> [CloseWaitGroup] {
        summary.longestCloseWaitGroups(heldAtLeast: 1, first: holderRows)
    }

    static func write(
        _ summary: CaptureSummary,
        outcome: CaptureAnalysis.Outcome,
        filter: ConnectionFilter,
        style: TerminalStyle,
        to out: inout OutputBuffer
    ) {
        writeHeadline(outcome: outcome, summary: summary, filter: filter, style: style, to: &out)
        guard summary.connections > 0 else { return }

        out.write("\n" + style.bold("How connections ended") + "\n")
        var endings = TextTable([.left("ended"), .right("connections"), .left("meaning")])
        for ending in Connection.Ending.allCases {
            let count = summary.byEnding[ending, default: 0]
            if count > 0 {
                endings.append([ending.rawValue, CaptureText.count(count), CaptureText.explanation(ending)])
            }
        }
        endings.write(to: &out, style: style)

        out.write("\n" + style.bold("Who closed first") + " (sent the first FIN)\n")
        var closers = TextTable([.left("active closer"), .right("connections")])
        var closed = 0
        for closer in Connection.Closer.allCases {
            let count = summary.byActiveCloser[closer, default: 0]
            closed += count
            closers.append([closerName(closer), CaptureText.count(count)])
        }
        closers.append(["nobody (no FIN)", CaptureText.count(summary.connections - closed)])
        closers.write(to: &out, style: style)

        let threshold = CaptureText.duration(summary.thresholds.closeWaitSeconds)
        let most = mostCloseWait(summary)
        if most.isEmpty {
            out.write("\nNo connection held CLOSE_WAIT for \(threshold) or more.\n")
        } else {
            out.write("\n" + style.bold("Held CLOSE_WAIT most") + " (periods of \(threshold) or more)\n")
            holderTable(most).write(to: &out, style: style)
            let longest = longestCloseWait(summary)
            if longest.map(\.key) != most.map(\.key) {
                out.write("\n" + style.bold("Held CLOSE_WAIT longest") + "\n")
                holderTable(longest).write(to: &out, style: style)
            }
        }

        // Only the findings shown are written out; the rest are counted by severity.
        let (findings, severities) = summary.findings(first: findingsShown)
        if findings.isEmpty {
            out.write("\n" + style.green("No problems found") + " in these connections.\n")
        } else {
            out.write(
                "\n" + FindingRenderer.headline(severities: severities, style: style) + " in these connections.\n"
            )
            for finding in findings {
                FindingRenderer.write(finding, style: style, showNetns: false, to: &out)
            }
            if severities.count > findingsShown {
                out.write(
                    "\n" + FindingRenderer.headline(severities: severities.dropFirst(findingsShown), style: .plain)
                        + " more, most severe first: "
                        + "see them all with --json, or narrow the report with --host, --port or --ended.\n"
                )
            }
        }
    }

    private static func writeHeadline(
        outcome: CaptureAnalysis.Outcome,
        summary: CaptureSummary,
        filter: ConnectionFilter,
        style: TerminalStyle,
        to out: inout OutputBuffer
    ) {
        let statistics = outcome.statistics
        let other = statistics.packets - statistics.tcpSegments
        var line =
            "Read \(plural(statistics.files, "file")): \(plural(statistics.packets, "packet")) "
            + "(\(CaptureText.count(statistics.tcpSegments)) TCP segments, \(CaptureText.count(other)) other), "
            + plural(outcome.connections, "TCP connection")
        if let first = outcome.firstTimestampNanoseconds, let last = outcome.lastTimestampNanoseconds {
            line +=
                " over \(CaptureText.duration(Double(last - first) / 1e9)), from \(CaptureText.utc(nanoseconds: first))"
        }
        out.write(style.bold(line) + ".\n")
        if summary.startedMidStream > 0 {
            out.write("\(CaptureText.count(summary.startedMidStream)) began before the capture (no SYN seen).\n")
        }
        if filter.isActive {
            out.write(
                "\(CaptureText.count(summary.connections)) of them match the filters; the rest of this report is about those.\n"
            )
        }
    }

    private static func holderTable(_ groups: [CloseWaitGroup]) -> TextTable {
        var table = TextTable([
            .left("holder"), .left("role"), .left("peer"), .right("held"), .right("longest"), .right("mean"),
            .right("open at end"), .right("late FIN met RST"),
        ])
        for group in groups {
            let isClient = group.key.holderRole == .originator
            table.append([
                isClient ? "\(group.key.holder.address)" : "\(group.key.holder)",
                isClient ? "client" : "server",
                group.peerText,
                CaptureText.count(group.heldConnections),
                CaptureText.duration(group.longestSeconds),
                CaptureText.duration(group.meanHeldSeconds),
                CaptureText.count(group.openAtEnd),
                CaptureText.count(group.lateFINResets),
            ])
        }
        return table
    }

    private static func closerName(_ closer: Connection.Closer) -> String {
        switch closer {
        case .originator: "originator (client)"
        case .responder: "responder (server)"
        case .both: "both (simultaneous close)"
        }
    }

    static func plural<T: BinaryInteger>(_ count: T, _ noun: String) -> String {
        "\(CaptureText.count(count)) \(noun)\(count == 1 ? "" : "s")"
    }
}
