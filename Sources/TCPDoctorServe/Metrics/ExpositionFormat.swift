/// The text formats `/metrics` speaks: Prometheus' text format 0.0.4 by default, OpenMetrics 1.0
/// when the scraper's `Accept` header prefers it (Prometheus asks for it first since 2.5).
public enum ExpositionFormat: String, Hashable, Sendable, CaseIterable {
    case prometheusText = "text"
    case openMetrics = "openmetrics"

    /// The `Content-Type` of a body in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The format an `Accept` header asks for.
    ///
    /// OpenMetrics when `application/openmetrics-text` is acceptable (q above 0) and no less
    /// preferred than `text/plain`; otherwise the text format, which every scraper reads. Any
    /// OpenMetrics version asked for gets 1.0.0, the one serve writes (its `Content-Type` says so).
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .prometheusText }
        var openMetrics = 0.0
        var text = 0.0
        for range in accept.split(separator: ",") {
            let parameters = range.split(separator: ";").map { $0.trimmingSpaces().lowercased() }
            guard let type = parameters.first else { continue }
            var quality = 1.0
            for parameter in parameters.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            switch type {
            case "application/openmetrics-text": openMetrics = max(openMetrics, quality)
            case "text/plain", "text/*", "*/*": text = max(text, quality)
            default: continue
            }
        }
        return openMetrics > 0 && openMetrics >= text ? .openMetrics : .prometheusText
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional white space).
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
