import TCPDoctorCore
import TCPDoctorOutput

/// Findings for people: the block `tcpdoctor doctor` prints for each, shared with the capture report.
///
/// Live and capture findings have the same `Finding` form, so they read the same everywhere: a
/// badge, the summary and rule, the processes, the evidence, why, and what to change.
enum FindingRenderer {
    /// `3 findings (1 critical, 2 warning)`, the headline above a list of findings.
    static func headline(_ findings: some Collection<Finding>, style: TerminalStyle) -> String {
        headline(severities: findings.lazy.map(\.severity), style: style)
    }

    /// The headline for findings known by their severities alone.
    static func headline(severities findings: some Collection<Finding.Severity>, style: TerminalStyle) -> String {
        // Counted in one pass without copying findings: a capture can have thousands.
        var bySeverity = [Int](repeating: 0, count: Finding.Severity.allCases.count)
        for severity in findings { bySeverity[severity.rawValue] += 1 }
        let counts = Finding.Severity.allCases.reversed().compactMap { severity -> String? in
            bySeverity[severity.rawValue] == 0 ? nil : "\(bySeverity[severity.rawValue]) \(severity.name)"
        }
        return style.bold("\(findings.count) finding\(findings.count == 1 ? "" : "s")")
            + " (\(counts.joined(separator: ", ")))"
    }

    /// Writes one finding, preceded by a blank line.
    ///
    /// Every string of the finding is escaped first (`Finding.escapedForText`): process and
    /// namespace names that others chose reach the summary, the evidence and the remedies.
    ///
    /// - Parameter showNetns: whether to print the finding's namespace (only useful when the report
    ///   covers several).
    /// - Parameter showID: whether to tag the finding with its id rather than its rule (the doctor's
    ///   findings have ids that other findings refer to; a capture's do not).
    static func write(
        _ finding: Finding,
        style: TerminalStyle,
        showNetns: Bool,
        showID: Bool = false,
        history: String? = nil,
        to out: inout OutputBuffer
    ) {
        let finding = finding.escapedForText
        out.write("\n")
        let badge = badge(finding.severity, style: style)
        out.write("\(badge) \(style.bold(finding.summary))  \(style.dim("[\(showID ? finding.id : finding.rule)]"))\n")
        if !finding.processes.isEmpty {
            let names = finding.processes.prefix(8).map { "\($0.command) (pid \($0.pid))" }
            let more = finding.processes.count > 8 ? " and \(finding.processes.count - 8) more" : ""
            out.write("  processes: \(names.joined(separator: ", "))\(more)\n")
        }
        if let netns = finding.netns, showNetns { out.write("  netns: \(netns.label)\n") }
        if showID, !finding.related.isEmpty { out.write("  related: \(finding.related.joined(separator: ", "))\n") }
        if !finding.evidence.isEmpty {
            out.write("  evidence:\n")
            for field in finding.evidence {
                // One setting a line: the values and what each governs, not three sentences run together.
                if let lines = EvidenceCatalog.settingLines(field.value), field.key == "kernel_settings" {
                    out.write("    \(field.key):\n" + lines.map { "      \($0)\n" }.joined())
                } else {
                    let unit = EvidenceCatalog.describe(field.key).unit
                    out.write("    \(field.key): \(EvidenceCatalog.text(field.value, unit: unit))\n")
                }
            }
        }
        if let history { out.write("  history:\n" + TextWrap.wrap(history, width: 100, indent: "    ") + "\n") }
        out.write("  why:\n" + TextWrap.wrap(finding.why, width: 100, indent: "    ") + "\n")
        if !finding.remedies.isEmpty {
            out.write("  what to change:\n")
            for remedy in finding.remedies {
                out.write(
                    TextWrap.wrap(remedy, width: 100, indent: "      ").replacingFirstIndent(with: "    - ") + "\n"
                )
            }
        }
    }

    /// Evidence values as short text for the terminal.
    static func text(_ value: EvidenceValue) -> String {
        switch value {
        case .integer(let number): "\(number)"
        case .number(let number):
            number == number.rounded() ? "\(Int64(number))" : String((number * 100).rounded() / 100)
        case .text(let text): text
        case .boolean(let flag): flag ? "yes" : "no"
        case .list(let items): items.map(text).joined(separator: ", ")
        case .object(let fields): fields.map { "\($0.key) \(text($0.value))" }.joined(separator: ", ")
        }
    }
}

extension String {
    /// Replaces the leading indent of the first line (for list bullets on wrapped text).
    func replacingFirstIndent(with prefix: String) -> String {
        let trimmed = self.drop { $0 == " " }
        return prefix + trimmed
    }
}
