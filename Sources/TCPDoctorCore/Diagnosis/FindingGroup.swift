/// Findings that say the same of several processes of one program, told once.
///
/// Pre-fork servers (nginx, gunicorn, Apache, PostgreSQL backends) run many processes of one
/// command that leak alike: twelve workers each leaking CLOSE_WAIT on port 8000 make twelve
/// findings that differ only in pid and counts. A report for people tells them as one, with the
/// processes and the totals; JSON and `serve` keep one finding per process, so the grouping is a
/// view, computed here from the findings alone.
public struct FindingGroup: Sendable {
    /// The findings told together, in report order; one when the finding is alone.
    public var findings: [Finding]

    /// The first finding, whose why and remedies speak for all.
    public var representative: Finding { findings[0] }

    /// Whether this tells several findings at once.
    public var isGroup: Bool { findings.count > 1 }

    /// The processes, each once, in report order.
    public var processes: [Finding.Process] {
        var seen: Set<Int32> = []
        return findings.flatMap(\.processes).filter { seen.insert($0.pid).inserted }
    }

    /// The evidence added up over the findings (see `EvidenceDescription.Total`).
    public var evidence: [EvidenceField] {
        isGroup ? EvidenceTotals.total(findings.map(\.evidence)) : representative.evidence
    }

    /// The findings' sizes added up (the `count` of `evidence`); nil when they count nothing.
    public var size: Int64? {
        representative.size.map { _ in findings.reduce(0) { $0 + ($1.size ?? 0) } }
    }

    /// The findings this group links to, outside the group, in first-seen order.
    public var related: [String] {
        let members = Set(findings.map(\.id))
        var ids: [String] = []
        for id in findings.flatMap(\.related) where !members.contains(id) && !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// The summary: the representative's, with the process named as the program and its count of
    /// processes, and its count as the total, such as `gunicorn (12 processes) leaks 600 ...`.
    ///
    /// Findings about several processes each (a parent and one child) cannot be reworded so
    /// simply; theirs is the representative's, headed by how many are alike.
    public var summary: String {
        let first = representative
        guard isGroup, let process = first.processes.first else { return first.summary }
        guard first.processes.count == 1 else { return "\(findings.count) alike: \(first.summary)" }
        let name = "\(process.command) (pid \(process.pid))"
        let program = "\(process.command) (\(findings.count) processes)"
        guard let range = first.summary.firstRange(of: name) else {
            return "\(program): \(first.summary)"
        }
        var rest = String(first.summary[range.upperBound...])
        if let count = first.size, let total = size, count != total,
            let number = rest.firstRange(of: " \(count) ")
        {
            rest.replaceSubrange(number, with: " \(total) ")
        }
        return first.summary[..<range.lowerBound] + program + rest
    }

    /// The representative's why, said of every process: `lab-srv (pid 42)` becomes `each of the
    /// 12 lab-srv processes`.
    public var why: String {
        let first = representative
        guard isGroup, first.processes.count == 1, let process = first.processes.first else { return first.why }
        return first.why.replacing(
            "\(process.command) (pid \(process.pid))",
            with: "each of the \(findings.count) \(process.command) processes"
        )
    }

    /// Groups `findings` for a report: findings of one rule, severity, namespace and place whose
    /// processes run the same commands (one each, or a parent and a child each) become one group
    /// at the place of the first. A finding without a place (`Finding.place` nil) stays alone.
    ///
    /// - Parameter findings: A report's findings, in report order.
    /// - Returns: The groups in report order; every finding is in exactly one.
    public static func group(_ findings: [Finding]) -> [FindingGroup] {
        struct Key: Hashable {
            var rule: String
            var severity: Finding.Severity
            var netns: Finding.Namespace?
            var place: String
            var commands: [String]
        }
        var groups: [FindingGroup] = []
        var slots: [Key: Int] = [:]
        for finding in findings {
            let commands = finding.processes.map(\.command)
            guard let place = finding.place, !commands.isEmpty, !commands.contains("?") else {
                groups.append(FindingGroup(findings: [finding]))
                continue
            }
            let key = Key(
                rule: finding.rule,
                severity: finding.severity,
                netns: finding.netns,
                place: place,
                commands: commands
            )
            if let slot = slots[key] {
                groups[slot].findings.append(finding)
            } else {
                slots[key] = groups.count
                groups.append(FindingGroup(findings: [finding]))
            }
        }
        return groups
    }
}
