/// One line a role printed on its report pipe: `KEYWORD key=value...` or `error MESSAGE`.
struct LabReport: Sendable, Hashable {
    var keyword: String
    var fields: [String: String]
    /// Everything after the keyword, for `error` lines.
    var text: String

    init(line: String) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        keyword = words.first.map(String.init) ?? ""
        text = words.dropFirst().joined(separator: " ")
        var fields: [String: String] = [:]
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        self.fields = fields
    }

    /// The field `key` as an integer, if present and numeric.
    func integer(_ key: String) -> Int? { fields[key].flatMap { Int($0) } }
}
