extension Finding {
    /// The finding with every string in it escaped for a terminal (`TextEscaping`).
    ///
    /// Rules keep process names and namespace names raw in findings, because JSON and metrics
    /// want them as they are; but the same names also end up inside the summary, the why, the
    /// remedies and the evidence, so a text renderer escapes the whole finding rather than
    /// chasing each place a name was put. tcpdoctor's own text contains no control character
    /// and no backslash, so for it escaping changes nothing.
    public var escapedForText: Finding {
        var finding = self
        finding.rule = TextEscaping.escaped(rule)
        finding.summary = TextEscaping.escaped(summary)
        finding.processes = processes.map { Process(pid: $0.pid, command: TextEscaping.escaped($0.command)) }
        finding.netns = netns.map { Namespace(inode: $0.inode, label: TextEscaping.escaped($0.label)) }
        finding.evidence = evidence.map(\.escapedForText)
        finding.why = TextEscaping.escaped(why)
        finding.remedies = remedies.map(TextEscaping.escaped)
        return finding
    }
}

extension EvidenceField {
    /// The field with its key and every text in its value escaped for a terminal.
    public var escapedForText: EvidenceField { EvidenceField(TextEscaping.escaped(key), value.escapedForText) }
}

extension EvidenceValue {
    /// The value with every text in it, at any depth, escaped for a terminal.
    public var escapedForText: EvidenceValue {
        switch self {
        case .integer, .number, .boolean: self
        case .text(let text): .text(TextEscaping.escaped(text))
        case .list(let items): .list(items.map(\.escapedForText))
        case .object(let fields): .object(fields.map(\.escapedForText))
        }
    }
}
