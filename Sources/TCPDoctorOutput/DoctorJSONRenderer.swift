import TCPDoctorCore
import TCPDoctorHistory

/// `doctor --json` (docs/json.md).
public enum DoctorJSONRenderer {
    public static func write(
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
        UnverifiedSocketFDsJSON.writeJSON(snapshot.unverifiedSocketFDs, snapshot: snapshot, to: &json)
        NamespacesJSON.write(snapshot.namespaces, sources: snapshot.coverage.namespaceSources, to: &json)
        CoverageJSON.write(snapshot.coverage, to: &json)
        json.endObject()
        json.finish()
    }
}

/// One finding as JSON; shared by the doctor and the capture analysis.
public enum FindingJSON {
    /// - Parameter links: whether to write `id` and `related`, which the doctor's findings have.
    /// - Parameter extra: writes keys of the caller's own after the finding's (the doctor's `history`).
    public static func write(
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
