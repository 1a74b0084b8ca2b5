/// Evidence as people read it: values with their units, objects as phrases, one compact line.
extension EvidenceCatalog {
    /// `value` written in `unit`: `45 s`, `0.3%`, `:8080`, `127.0.0.1 ×50`.
    public static func text(_ value: EvidenceValue, unit: EvidenceDescription.Unit = .plain) -> String {
        switch value {
        case .integer(let number):
            switch unit {
            case .seconds: return duration(seconds: number)
            case .share: return percent(Double(number))
            case .port: return ":\(number)"
            case .bytes: return counted(Int(clamping: number), "byte")
            case .plain: return "\(number)"
            }
        case .number(let number):
            switch unit {
            case .share: return percent(number)
            case .seconds: return duration(seconds: Int64(number.isFinite ? number.rounded() : 0))
            default: return number == number.rounded() ? "\(Int64(number))" : String((number * 100).rounded() / 100)
            }
        case .text(let text): return text
        case .boolean(let flag): return flag ? "yes" : "no"
        case .list(let items): return items.map { text($0, unit: unit) }.joined(separator: ", ")
        case .object(let fields): return phrase(fields)
        }
    }

    /// An evidence object as a phrase: `lab-srv (pid 42) CLOSE_WAIT ×50`, `net.ipv4.tcp_fin_timeout = 60`.
    ///
    /// The governs text of a kernel setting is left to `settingLines`, one line per setting.
    static func phrase(_ fields: [EvidenceField]) -> String {
        var values: [String: EvidenceValue] = [:]
        for field in fields { values[field.key] = field.value }
        if let sysctl = values["sysctl"], let value = values["value"] {
            return "\(text(sysctl)) = \(text(value))"
        }
        var words: [String] = []
        for field in fields {
            switch field.key {
            case "pid":
                let command = values["command"].map { text($0) }
                words.append(command.map { "\($0) (pid \(text(field.value)))" } ?? "pid \(text(field.value))")
            case "command" where values["pid"] != nil: continue
            case "count": words.append("×\(text(field.value))")
            case "netns": continue
            case "netns_label":
                let label = text(field.value)
                if label != "host" { words.append("in netns \(label)") }
            case "holder", "state", "address", "command": words.append(text(field.value))
            default: words.append("\(describe(field.key).label) \(text(field.value, unit: describe(field.key).unit))")
            }
        }
        return words.joined(separator: " ")
    }

    /// The default line of evidence: the fields with a compact form, as phrases, joined by ` · `,
    /// at most `width` characters: when they do not all fit, those of lowest `priority` are left
    /// to `--verbose`, and the rest keep the rule's order.
    ///
    /// - Returns: nil when no field has anything to add to the summary.
    public static func compactLine(_ fields: [EvidenceField], width: Int = .max) -> String? {
        var parts: [(index: Int, priority: Int, text: String)] = []
        for field in fields {
            let description = describe(field.key)
            guard let template = description.compact else { continue }
            if description.hideZero, field.value == .integer(0) { continue }
            let text = template.replacing("{}", with: text(field.value, unit: description.unit))
            parts.append((parts.count, description.priority, text))
        }
        var kept: [(index: Int, priority: Int, text: String)] = []
        var length = 0
        for part in parts.sorted(by: { ($0.priority, $0.index) < ($1.priority, $1.index) }) {
            let added = part.text.count + (kept.isEmpty ? 0 : 3)
            guard length + added <= width || kept.isEmpty else { continue }
            kept.append(part)
            length += added
        }
        guard !kept.isEmpty else { return nil }
        return kept.sorted { $0.index < $1.index }.map(\.text).joined(separator: " · ")
    }

    /// The lines of a `kernel_settings` value: `net.ipv4.tcp_fin_timeout = 60: what it governs`.
    public static func settingLines(_ value: EvidenceValue) -> [String]? {
        guard case .list(let items) = value else { return nil }
        var lines: [String] = []
        for item in items {
            guard case .object(let fields) = item,
                let governs = fields.first(where: { $0.key == "governs" }).map({ text($0.value) })
            else { return nil }
            lines.append(phrase(fields) + (governs.isEmpty ? "" : ": \(governs)"))
        }
        return lines
    }
}
