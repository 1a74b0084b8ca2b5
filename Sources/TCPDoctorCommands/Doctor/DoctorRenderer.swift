import TCPDoctorCore
import TCPDoctorHistory

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

    static func writeJSON(
        _ findings: [Finding],
        input: DiagnosisInput,
        failOn: Finding.Severity,
        history: DoctorHistory? = nil,
        to json: inout JSONWriter
    ) {
        let snapshot = input.snapshot
        json.beginObject()
        json.key("taken_at")
        json.value(snapshot.takenAt)
        json.key("fail_on")
        json.value(failOn.name)
        json.key("failed")
        json.value(findings.contains { $0.severity >= failOn })
        // `totals`, not `summary`: a finding's `summary` is its one-line text, and a key has one type.
        json.key("totals")
        json.beginObject()
        json.key("sockets")
        json.value(snapshot.sockets.count)
        json.key("namespaces")
        json.value(snapshot.namespaces.count)
        json.key("processes")
        json.value(snapshot.processes.count)
        json.key("findings")
        json.beginObject()
        for severity in Finding.Severity.allCases.reversed() {
            json.key(dynamic: severity.name)
            json.value(findings.filter { $0.severity == severity }.count)
        }
        json.endObject()
        json.endObject()
        json.key("findings")
        json.beginArray()
        for finding in findings {
            FindingJSON.write(finding, links: true, to: &json) { json in
                guard let history else { return }
                DoctorHistoryJSON.write(finding, trend: history.trends[finding.id], now: snapshot.takenAt, to: &json)
            }
        }
        json.endArray()
        if let history { DoctorHistoryJSON.write(history, to: &json) }
        UnverifiedSocketFDsOutput.writeJSON(snapshot.unverifiedSocketFDs, snapshot: snapshot, to: &json)
        NamespacesJSON.write(snapshot.namespaces, sources: snapshot.coverage.namespaceSources, to: &json)
        CoverageJSON.write(snapshot.coverage, to: &json)
        json.endObject()
        json.finish()
    }
}

/// One finding as JSON; shared by the doctor and the capture analysis.
enum FindingJSON {
    /// - Parameter links: whether to write `id` and `related`, which the doctor's findings have.
    /// - Parameter extra: writes keys of the caller's own after the finding's (the doctor's `history`).
    static func write(
        _ finding: Finding,
        links: Bool = false,
        to json: inout JSONWriter,
        extra: (inout JSONWriter) -> Void = { _ in }
    ) {
        json.beginObject()
        if links {
            json.key("id")
            json.value(finding.id)
            json.key("related")
            json.beginArray()
            for id in finding.related { json.value(id) }
            json.endArray()
        }
        json.key("rule")
        json.value(finding.rule)
        json.key("severity")
        json.value(finding.severity.name)
        json.key("summary")
        json.value(finding.summary)
        json.key("processes")
        json.beginArray()
        for process in finding.processes {
            json.beginObject()
            json.key("pid")
            json.value(process.pid)
            json.key("command")
            json.value(process.command)
            json.endObject()
        }
        json.endArray()
        json.key("netns")
        if let netns = finding.netns { json.value(netns.inode) } else { json.null() }
        json.key("netns_label")
        json.value(finding.netns?.label)
        json.key("evidence")
        writeFields(finding.evidence, &json)
        json.key("why")
        json.value(finding.why)
        json.key("remedies")
        json.beginArray()
        for remedy in finding.remedies { json.value(remedy) }
        json.endArray()
        extra(&json)
        json.endObject()
    }

    private static func writeFields(_ fields: [EvidenceField], _ json: inout JSONWriter) {
        json.beginObject()
        for field in fields {
            json.key(dynamic: field.key)
            writeValue(field.value, &json)
        }
        json.endObject()
    }

    private static func writeValue(_ value: EvidenceValue, _ json: inout JSONWriter) {
        switch value {
        case .integer(let number): json.value(number)
        case .number(let number): json.value(number)
        case .text(let text): json.value(text)
        case .boolean(let flag): json.value(flag)
        case .list(let items):
            json.beginArray()
            for item in items { writeValue(item, &json) }
            json.endArray()
        case .object(let fields): writeFields(fields, &json)
        }
    }
}
