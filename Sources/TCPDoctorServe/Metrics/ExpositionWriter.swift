/// Writes metric families in Prometheus' text format 0.0.4 or in OpenMetrics 1.0.
///
/// Written here rather than through swift-prometheus 2.4.1: its registry keeps every series
/// it ever created until each is unregistered by hand, while serve's series are a function of
/// one snapshot (top K per family folded into `other`, a global cap), rebuilt whole each time;
/// and its exposition is the 0.0.4 text format only, without OpenMetrics' counter metadata
/// (`# TYPE x counter` for samples `x_total`) or `# EOF`. Both formats are a page of code.
public enum ExpositionWriter {
    /// The whole body of a `/metrics` response.
    public static func write(_ families: [MetricFamily], format: ExpositionFormat) -> String {
        var out = ""
        out.reserveCapacity(families.reduce(0) { $0 + 80 + $1.samples.count * 64 })
        for family in families where !family.samples.isEmpty {
            let metadataName = format == .openMetrics ? family.name : family.sampleName
            out += "# HELP \(metadataName) \(escapeHelp(family.help, format))\n"
            out += "# TYPE \(metadataName) \(family.kind.rawValue)\n"
            for sample in family.samples {
                out += family.sampleName
                if !family.labelNames.isEmpty {
                    out += "{"
                    for (index, name) in family.labelNames.enumerated() {
                        if index > 0 { out += "," }
                        let value = index < sample.labels.count ? sample.labels[index] : ""
                        out += "\(name)=\"\(escapeLabelValue(value))\""
                    }
                    out += "}"
                }
                out += " \(text(sample.value))\n"
            }
        }
        if format == .openMetrics { out += "# EOF\n" }
        return out
    }

    /// A sample value: integers without a fraction, `+Inf`, `-Inf` and `NaN` as both formats spell them.
    static func text(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Backslash, double quote and line feed escaped, as both formats require in label values.
    static func escapeLabelValue(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Help text: backslash and line feed escaped (0.0.4); OpenMetrics escapes double quotes too.
    static func escapeHelp(_ help: String, _ format: ExpositionFormat) -> String {
        var escaped = ""
        for character in help {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where format == .openMetrics: escaped += "\\\""
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
