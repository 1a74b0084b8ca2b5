import Foundation
import Testing

/// The alert rules of deploy/prometheus as Prometheus' own tool sees them: `promtool check rules`
/// (syntax, templates) and `promtool test rules` (the unit tests beside them: each alert fires on
/// its failure and not on the healthy look-alike), and as an operator reads them: every metric
/// they name is one serve exports (docs/metrics.md), every alert has its section in
/// docs/alerts.md, a unit test, and the annotations the README promises.
@Suite(.enabled(if: PrometheusTools.enabled, "needs Debian's prometheus package (.ci/run installs it)"))
struct AlertRuleTests {
    static let directory = SchemaCheck.repository + "/deploy/prometheus"
    static let rules = directory + "/tcpdoctor-rules.yml"

    @Test func promtoolChecksAndUnitTestsPass() throws {
        let promtool = try PrometheusTools.require(PrometheusTools.promtool, "promtool")
        let check = try runProgram(promtool, ["check", "rules", Self.rules])
        #expect(check.status == 0, "promtool check rules: \(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: \(try Self.alertNames().count) rules found"), "\(check.stdout)")
        let unit = try runProgram(promtool, ["test", "rules", Self.directory + "/tcpdoctor-rules.test.yml"])
        #expect(unit.status == 0, "promtool test rules: \(unit.stdout) \(unit.stderr)")
        #expect(unit.stdout.contains("SUCCESS"), "\(unit.stdout)")
    }

    @Test func everyAlertIsDocumentedTestedAndAnnotated() throws {
        let text = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let tests = try String(contentsOfFile: Self.directory + "/tcpdoctor-rules.test.yml", encoding: .utf8)
        let runbooks = try String(contentsOfFile: SchemaCheck.repository + "/docs/alerts.md", encoding: .utf8)
        let names = try Self.alertNames()
        #expect(names.count >= 8)
        for name in names {
            #expect(tests.contains("alertname: \(name)\n"), "no unit test of \(name)")
        }
        let anchors = Set(
            runbooks.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { $0.dropFirst(3).lowercased() }
        )
        for block in text.components(separatedBy: "- alert: ").dropFirst() {
            let name = String(block.prefix { !$0.isNewline })
            for annotation in ["summary:", "description:", "runbook:", "runbook_url:", "severity:"] {
                #expect(block.contains(annotation), "\(name) has no \(annotation)")
            }
            let url = try #require(block.range(of: "runbook_url: \"docs/alerts.md#"), "\(name)'s runbook_url")
            let anchor = String(block[url.upperBound...].prefix { $0 != "\"" })
            #expect(anchors.contains(anchor), "docs/alerts.md has no section for #\(anchor) (\(name))")
            #expect(block.contains("tcpdoctor doctor") || name == "TCPDoctorSnapshotsFailing", "\(name)'s runbook")
        }
    }

    @Test func theRulesNameOnlyMetricsServeExports() throws {
        let text = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let documented = try String(contentsOfFile: SchemaCheck.repository + "/docs/metrics.md", encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"\btcpdoctor_[a-z_]+"#)
        let names = Set(
            pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range, in: text).map { String(text[$0]) }
            }
        )
        #expect(names.count >= 8)
        for name in names.sorted() {
            #expect(documented.contains("| `\(name)` |"), "the rules use \(name), which docs/metrics.md does not list")
        }
    }

    static func alertNames() throws -> [String] {
        try String(contentsOfFile: rules, encoding: .utf8).split(separator: "\n")
            .compactMap { line in
                let trimmed = line.drop { $0 == " " }
                return trimmed.hasPrefix("- alert: ") ? String(trimmed.dropFirst(9)) : nil
            }
    }
}
