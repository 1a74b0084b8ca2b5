/// A parser of Prometheus' text format 0.0.4 and OpenMetrics 1.0, strict enough to fail a test
/// on what Prometheus would refuse: a sample before its family's `# TYPE`, a malformed label
/// set, a value that is not a number, a series twice, a counter sample without `_total`, and
/// for OpenMetrics a missing `# EOF` or anything after it.
struct Exposition {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
        init(_ line: Int, _ why: String) { description = "line \(line): \(why)" }
    }

    /// Family name to its type.
    var types: [String: String] = [:]
    /// Family name to its help text.
    var help: [String: String] = [:]
    /// Sample name to its series: sorted `name=value` label pairs to the value.
    var samples: [String: [[String: String]: Double]] = [:]

    /// The value of a series, if present.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? { samples[name]?[labels] }

    init(parsing text: String, openMetrics: Bool) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw ParseError(lines.count, "the body does not end with a line feed") }
        lines.removeLast()
        if openMetrics {
            guard lines.last == "# EOF" else { throw ParseError(lines.count, "no # EOF at the end") }
            lines.removeLast()
        }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard parts.count >= 3, parts[0] == "#" else {
                    throw ParseError(number, "a comment that is not metadata")
                }
                if openMetrics && parts[1] == "EOF" { throw ParseError(number, "# EOF before the end") }
                switch parts[1] {
                case "TYPE":
                    guard parts.count == 4, ["gauge", "counter"].contains(parts[3]) else {
                        throw ParseError(number, "bad TYPE line")
                    }
                    guard types[parts[2]] == nil else { throw ParseError(number, "TYPE of \(parts[2]) twice") }
                    types[parts[2]] = parts[3]
                case "HELP":
                    help[parts[2]] = parts.count == 4 ? parts[3] : ""
                default:
                    throw ParseError(number, "unknown metadata \(parts[1])")
                }
                continue
            }
            let (name, labels, value) = try Self.sample(line, number)
            let family = try familyName(of: name, openMetrics: openMetrics, number)
            guard types[family] != nil else { throw ParseError(number, "\(name) before its TYPE") }
            guard samples[name]?[labels] == nil else { throw ParseError(number, "series \(name)\(labels) twice") }
            samples[name, default: [:]][labels] = value
        }
    }

    /// The family a sample belongs to: itself, or for an OpenMetrics counter its name without `_total`.
    private func familyName(of name: String, openMetrics: Bool, _ line: Int) throws -> String {
        if let type = types[name] {
            if type == "counter" && (openMetrics || !name.hasSuffix("_total")) {
                throw ParseError(line, "counter sample \(name) without the _total suffix")
            }
            return name
        }
        if openMetrics, name.hasSuffix("_total"), types[String(name.dropLast(6))] == "counter" {
            return String(name.dropLast(6))
        }
        throw ParseError(line, "\(name) has no TYPE")
    }

    private static func sample(_ line: String, _ number: Int) throws -> (String, [String: String], Double) {
        let characters = Array(line)
        var index = 0
        var name = ""
        while index < characters.count,
            characters[index].isLetter || characters[index].isNumber || "_:".contains(characters[index])
        {
            name.append(characters[index])
            index += 1
        }
        guard !name.isEmpty, !(name.first?.isNumber ?? true) else { throw ParseError(number, "bad metric name") }
        var labels: [String: String] = [:]
        if index < characters.count, characters[index] == "{" {
            index += 1
            while index < characters.count, characters[index] != "}" {
                var label = ""
                while index < characters.count, characters[index] != "=" {
                    label.append(characters[index])
                    index += 1
                }
                guard !label.isEmpty, label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                    index + 1 < characters.count, characters[index + 1] == "\""
                else { throw ParseError(number, "bad label in \(line)") }
                index += 2
                var value = ""
                while index < characters.count, characters[index] != "\"" {
                    if characters[index] == "\\" {
                        index += 1
                        guard index < characters.count else { throw ParseError(number, "dangling escape") }
                        switch characters[index] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ParseError(number, "bad escape \\\(characters[index])")
                        }
                    } else {
                        value.append(characters[index])
                    }
                    index += 1
                }
                guard index < characters.count else { throw ParseError(number, "unterminated label value") }
                index += 1
                guard labels[label] == nil else { throw ParseError(number, "label \(label) twice") }
                labels[label] = value
                if index < characters.count, characters[index] == "," { index += 1 }
            }
            guard index < characters.count else { throw ParseError(number, "unterminated label set") }
            index += 1
        }
        guard index < characters.count, characters[index] == " " else { throw ParseError(number, "no value") }
        let text = String(characters[(index + 1)...])
        let value: Double
        switch text {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(text), !text.contains(" ") else {
                throw ParseError(number, "bad value '\(text)'")
            }
            value = parsed
        }
        return (name, labels, value)
    }
}
