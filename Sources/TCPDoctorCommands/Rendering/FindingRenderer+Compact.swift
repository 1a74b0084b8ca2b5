import TCPDoctorCore
import TCPDoctorOutput

/// The default form of a finding for people at a terminal: short enough to read at 3 a.m.
///
/// The headline, the evidence on one line of what the summary does not already say, a why of at
/// most `whyLines` lines (whole sentences; `--verbose` has them all), and the fixes: the
/// process's runtime and the symptom first, generic advice once per report (`ReportMemory`), no
/// line twice. Findings alike over several processes of one program come as one `FindingGroup`.
extension FindingRenderer {
    /// What a report has already said, so that no remedy is printed twice.
    struct ReportMemory {
        /// Remedies already printed under a finding.
        var said: Set<String> = []
        /// Generic remedies held back for the end of the report, in first-seen order.
        var generic: [String] = []
    }

    static let width = 100
    static let whyLines = 4

    /// Writes one group (or lone finding) in the compact form, preceded by a blank line.
    static func writeCompact(
        _ group: FindingGroup,
        style: TerminalStyle,
        showNetns: Bool,
        memory: inout ReportMemory,
        history: (line: String, replacesEstimate: Bool)? = nil,
        to out: inout OutputBuffer
    ) {
        let finding = group.representative
        let tag = group.isGroup ? "\(finding.rule) ×\(group.findings.count)" : finding.id
        out.write("\n\(badge(finding.severity, style: style)) \(style.bold(group.summary))  \(style.dim("[\(tag)]"))\n")
        if let processes = processLine(group) { out.write(block("processes:", processes, indent: 4) + "\n") }
        if let netns = finding.netns, showNetns { out.write("  netns: \(netns)\n") }
        // A recorded age replaces tcp_info's estimate (the history line says so).
        let evidence =
            history?.replacesEstimate == true
            ? group.evidence.filter { !FindingTrend.estimatedAgeKeys.contains($0.key) } : group.evidence
        if let evidence = EvidenceCatalog.compactLine(evidence, width: width - "    evidence: ".count) {
            out.write(block("evidence:", evidence, indent: 4) + "\n")
        }
        if let history { out.write(block("history:", history.line, indent: 4) + "\n") }
        out.write(block("why:", shortWhy(group.why), indent: 4) + "\n")
        var fixes: [String] = []
        var repeated = 0
        for remedy in finding.remedies {
            if RemedyCatalog.genericLines.contains(remedy) {
                if !memory.generic.contains(remedy) { memory.generic.append(remedy) }
            } else if memory.said.contains(remedy) {
                repeated += 1
            } else {
                memory.said.insert(remedy)
                fixes.append(remedy)
            }
        }
        if repeated > 0 { fixes.append("and \(repeated == 1 ? "one fix" : "\(repeated) fixes") given above") }
        for (index, fix) in fixes.enumerated() {
            let bullet = index == 0 ? "  fix: - " : "       - "
            out.write(TextWrap.wrap(fix, width: width, indent: "         ").replacingFirstIndent(with: bullet) + "\n")
        }
        let unmentioned = group.related.filter { id in !fixes.contains { $0.contains(id) } }
        if !unmentioned.isEmpty { out.write(block("see also:", unmentioned.joined(separator: ", "), indent: 4) + "\n") }
    }

    /// The generic advice held back by `writeCompact`, once, after the findings.
    static func writeGeneric(_ memory: ReportMemory, style: TerminalStyle, to out: inout OutputBuffer) {
        guard !memory.generic.isEmpty else { return }
        out.write("\n" + style.bold("In general") + ":\n")
        for line in memory.generic {
            out.write(TextWrap.wrap(line, width: width, indent: "    ").replacingFirstIndent(with: "  - ") + "\n")
        }
    }

    /// `CRITICAL`, `WARNING ` or `INFO    `, coloured: the head of every finding's first line.
    static func badge(_ severity: Finding.Severity, style: TerminalStyle) -> String {
        switch severity {
        case .critical: style.red("CRITICAL")
        case .warning: style.yellow("WARNING ")
        case .info: style.cyan("INFO    ")
        }
    }

    /// The processes, when the summary does not name them all: every pid of a group, with its count.
    private static func processLine(_ group: FindingGroup) -> String? {
        if group.isGroup { return groupProcessLine(group) }
        let finding = group.representative
        guard finding.processes.contains(where: { !finding.summary.contains("(pid \($0.pid))") }) else { return nil }
        let names = finding.processes.prefix(8).map { "\($0.command) (pid \($0.pid))" }
        let more = finding.processes.count > 8 ? " and \(finding.processes.count - 8) more" : ""
        return names.joined(separator: ", ") + more
    }

    /// Every process of a group: per place in the findings' process lists, the one process all
    /// share (`lab-srv (pid 42)`), or the command and every pid, with each finding's count.
    private static func groupProcessLine(_ group: FindingGroup) -> String {
        let counts = group.findings.map(\.size)
        let width = group.representative.processes.count
        var parts: [String] = []
        for position in 0..<width {
            let column = group.findings.map { $0.processes[position] }
            guard let first = column.first, column.contains(where: { $0.pid != first.pid }) else {
                if let only = column.first { parts.append("\(only.command) (pid \(only.pid))") }
                continue
            }
            if let count = counts.first ?? nil, counts.allSatisfy({ $0 == count }) {
                parts.append(
                    "\(first.command): pids " + column.map { "\($0.pid)" }.joined(separator: ", ") + " (\(count) each)"
                )
            } else {
                let pids = zip(column, counts).map { process, count in
                    count.map { "\(process.pid) (\($0))" } ?? "\(process.pid)"
                }
                parts.append("\(first.command): pids " + pids.joined(separator: ", "))
            }
        }
        return parts.joined(separator: "; ")
    }

    /// `label text` wrapped, the label two columns in and the rest `indent` columns in.
    private static func block(_ label: String, _ text: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return TextWrap.wrap("\(label) \(text)", width: width, indent: pad).replacingFirstIndent(with: "  ")
    }

    /// The first sentences of `why` that fit in `whyLines` lines; a first sentence longer than
    /// that is cut at a word and marked `…` (`--verbose` prints it whole).
    static func shortWhy(_ why: String) -> String {
        let fits = { (text: String) in block("why:", text, indent: 4).split(separator: "\n").count <= whyLines }
        var kept = ""
        for sentence in sentences(why) {
            let candidate = kept.isEmpty ? sentence : kept + " " + sentence
            guard fits(candidate) else { break }
            kept = candidate
        }
        if !kept.isEmpty { return kept }
        var words: [Substring] = []
        for word in why.split(separator: " ") {
            guard fits((words + [word]).joined(separator: " ") + " …") else { break }
            words.append(word)
        }
        return words.joined(separator: " ") + " …"
    }

    /// `text` split after each `. ` that a capital letter follows: the sentences of a why.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var previous: Character = " "
        var pending = false
        for character in text {
            if pending, character.isUppercase || character == "\"" {
                result.append(String(current.dropLast()))
                current = ""
            }
            pending = previous == "." && character == " "
            previous = character
            current.append(character)
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
