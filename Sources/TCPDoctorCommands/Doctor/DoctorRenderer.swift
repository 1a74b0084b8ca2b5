import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorOutput

/// The doctor's report for people (a terminal) and for machines (JSON, docs/json.md).
enum DoctorRenderer {
    /// The report for people: compact by default (findings alike over several processes told once,
    /// generic advice once at the end), every finding in full with `verbose`.
    static func writeReport(
        _ findings: [Finding],
        input: DiagnosisInput,
        style: TerminalStyle,
        verbose: Bool = false,
        history: DoctorHistory? = nil,
        to out: inout OutputBuffer
    ) {
        let snapshot = input.snapshot
        let now = snapshot.takenAt
        let scope = [
            plural(snapshot.sockets.count, "TCP socket"), "in",
            plural(snapshot.namespaces.count, "network namespace") + ",",
            plural(snapshot.processes.count, "process", "processes"), "holding sockets",
        ].joined(separator: " ")
        defer {
            UnverifiedSocketFDsOutput.writeText(
                snapshot.unverifiedSocketFDs,
                snapshot: snapshot,
                style: style,
                to: &out
            )
        }
        guard !findings.isEmpty else {
            out.write(style.green("No problems found") + ": \(scope).\n")
            return
        }
        defer { if let history { writeHistoryNote(history, style: style, to: &out) } }
        out.write(FindingRenderer.headline(findings, style: style) + " in \(scope).\n")
        let showNetns = snapshot.namespaces.count > 1
        if verbose {
            for finding in findings {
                FindingRenderer.write(
                    finding,
                    style: style,
                    showNetns: showNetns,
                    showID: true,
                    history: history?.trends[finding.id]?.line(for: finding, now: now),
                    to: &out
                )
            }
            return
        }
        var memory = FindingRenderer.ReportMemory()
        // Escaped before grouping, once: process and namespace names that others chose reach the
        // summaries, evidence and remedies (`FindingRenderer.write` escapes the verbose form itself).
        for group in FindingGroup.group(findings.map(\.escapedForText)) {
            let trend = group.findings.lazy.compactMap { history?.trends[$0.id] }.first
            FindingRenderer.writeCompact(
                group,
                style: style,
                showNetns: showNetns,
                memory: &memory,
                history: trend.map { ($0.line(for: group.representative, now: now), $0.recordedSince != nil) },
                to: &out
            )
        }
        FindingRenderer.writeGeneric(memory, style: style, to: &out)
    }

    /// After the findings: where the history came from, or how to start one.
    static func writeHistoryNote(_ history: DoctorHistory, style: TerminalStyle, to out: inout OutputBuffer) {
        switch history.status {
        case .read:
            guard let range = history.range else { return }
            out.write(
                "\n"
                    + style.dim(
                        "History: \(history.path), \(TrendText.utc(range.first, relativeTo: range.last)) to "
                            + "\(TrendText.utc(range.last, relativeTo: range.last)); `tcpdoctor history` charts it."
                    ) + "\n"
            )
        case .absent:
            out.write(
                "\n"
                    + style.dim(
                        "No history at \(history.path): `tcpdoctor record` (packaging/tcpdoctor-record.service) keeps "
                            + "one, and the doctor then says since when and how fast each finding grows."
                    ) + "\n"
            )
        case .unusable, .disabled:
            return
        }
    }

    static func plural(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : pluralForm ?? singular + "s")
    }

    /// Evidence values as short text for the terminal.
    static func text(_ value: EvidenceValue) -> String { FindingRenderer.text(value) }

    static func writeLists(rules: Bool, thresholds: Bool, to out: inout OutputBuffer) {
        if rules {
            var table = TextTable([.left("Rule"), .left("Looks for")])
            for rule in Doctor.rules { table.append([rule.id, rule.summary]) }
            table.write(to: &out, style: .plain)
        }
        if thresholds {
            if rules { out.write("\n") }
            var table = TextTable([.left("Threshold"), .right("Default"), .left("Meaning")])
            for key in ThresholdKey.allCases {
                table.append([key.rawValue, DoctorRenderer.text(.number(key.defaultValue)), key.meaning])
            }
            table.write(to: &out, style: .plain)
        }
    }
}
