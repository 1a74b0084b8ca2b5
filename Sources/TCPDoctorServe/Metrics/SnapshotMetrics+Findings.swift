import TCPDoctorCore

extension SnapshotMetrics {
    /// The doctor's findings: how many per severity, and each as a gauge of what it counts.
    ///
    /// A finding's subject is its processes' commands (`+`-joined) and its place (a port or a
    /// peer): `server/8000`. Findings alike over several processes of one program (pre-fork
    /// workers) share a subject and are summed, as the text report tells them once. Past the top
    /// K (most severe, then largest) the rest of each rule and severity is summed into `other`.
    static func findingFamilies(
        _ findings: [Finding],
        limits: MetricLimits,
        folded: inout [String: Int]
    ) -> [MetricFamily] {
        var bySeverity = MetricFamily(MetricCatalog.findings)
        for severity in Finding.Severity.allCases.reversed() {
            bySeverity.samples.append(
                MetricSample([severity.name], Double(findings.filter { $0.severity == severity }.count))
            )
        }
        struct Key: Hashable {
            var rule: String
            var severity: Finding.Severity
            var process: String
            var place: String
            var subject: String { place.isEmpty ? process : process + "/" + place }
            var labels: [String] { [rule, severity.name, subject, process, place] }
        }
        var values: [Key: Int64] = [:]
        for finding in findings {
            let (process, place) = subject(of: finding)
            values[Key(rule: finding.rule, severity: finding.severity, process: process, place: place), default: 0] +=
                finding.size ?? 1
        }
        let split = TopK.split(Array(values.keys), limit: limits.top) { left, right in
            (left.severity, values[left, default: 0], right.rule, right.subject)
                > (right.severity, values[right, default: 0], left.rule, left.subject)
        }
        var others: [Key: Int64] = [:]
        for key in split.folded {
            others[Key(rule: key.rule, severity: key.severity, process: MetricCatalog.other, place: ""), default: 0] +=
                values[key, default: 0]
        }
        var each = MetricFamily(MetricCatalog.finding)
        for key in split.kept {
            each.samples.append(MetricSample(key.labels, Double(values[key, default: 0])))
        }
        for (key, value) in others.sorted(by: { ($0.key.rule, $0.key.severity) < ($1.key.rule, $1.key.severity) }) {
            each.samples.append(MetricSample(key.labels, Double(value)))
        }
        folded["tcpdoctor_finding"] = split.folded.count
        return [bySeverity, each]
    }

    /// The two halves of a subject: the commands (`server`, `server+worker`, `-` for a finding
    /// without processes) and the place (`8000`, `10.0.0.9`, empty for none); the subject is
    /// `server/8000`, or the commands alone without a place.
    static func subject(of finding: Finding) -> (process: String, place: String) {
        let commands = Set(finding.processes.map(\.command)).sorted()
        return (commands.isEmpty ? "-" : commands.joined(separator: "+"), finding.place ?? "")
    }
}
