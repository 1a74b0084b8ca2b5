/// Ties the findings of one report together: unique ids, and `related` links that point only at
/// findings that are there and point both ways.
public enum FindingLinks {
    /// The words a rule appends to a remedy that names the finding about the other end.
    ///
    /// Rules name the other finding by the id it would have (`FindingID`); when it was not made,
    /// `resolve` removes exactly these words, so no remedy points at a finding that is not there.
    static func seeAlso(_ id: String) -> String { " (see finding \(id))" }

    /// The findings with unique ids, `related` restricted to ids present and made symmetric, and
    /// the remedies' references to absent findings removed.
    ///
    /// Idempotent, so it runs again after a command filters findings (`--process`).
    ///
    /// - Parameter findings: One report's findings, in report order (kept).
    /// - Returns: The same findings, linked.
    public static func resolve(_ findings: [Finding]) -> [Finding] {
        var result = findings
        var used: Set<String> = []
        for index in result.indices {
            let base = result[index].id
            var (id, copy) = (base, 1)
            while used.contains(id) {
                copy += 1
                id = "\(base)#\(copy)"
            }
            used.insert(id)
            result[index].id = id
        }
        let present = Set(result.map(\.id))
        let order = Dictionary(result.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: min)
        var links: [String: Set<String>] = [:]
        for finding in result {
            for other in finding.related where present.contains(other) && other != finding.id {
                links[finding.id, default: []].insert(other)
                links[other, default: []].insert(finding.id)
            }
        }
        for index in result.indices {
            let finding = result[index]
            for absent in finding.related where !present.contains(absent) {
                let words = seeAlso(absent)
                result[index].remedies = result[index].remedies.map { $0.replacing(words, with: "") }
            }
            // Report order, so that the links read in the order the findings are listed.
            result[index].related = (links[finding.id] ?? []).sorted { (order[$0] ?? 0) < (order[$1] ?? 0) }
        }
        return result
    }
}
