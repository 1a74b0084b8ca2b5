import Testing

@testable import TCPDoctorCore

struct FindingTextEscapingTests {
    static let raw = "\u{1B}]0;x\u{07}"
    static let escaped = "\\x1b]0;x\\x07"

    /// A finding with the hostile name in every string it has, at every depth of the evidence.
    static let hostile = Finding(
        rule: "close-wait-leak",
        severity: .warning,
        summary: "\(raw) (pid 7) leaks",
        processes: [Finding.Process(pid: 7, command: raw)],
        netns: Finding.Namespace(inode: 4_026_532_000, label: raw),
        evidence: [
            EvidenceField("count", 3),
            EvidenceField("command", .text(raw)),
            EvidenceField(raw, .list([.text(raw), .integer(1)])),
            EvidenceField(
                "holders",
                .object([EvidenceField("first", .text(raw)), EvidenceField("shared", .boolean(true))])
            ),
        ],
        why: "\(raw) has not closed",
        remedies: ["fix \(raw)", "plain advice"]
    )

    @Test func escapesEveryStringAndKeepsEverythingElse() {
        let finding = Self.hostile.escapedForText
        #expect(finding.summary == "\(Self.escaped) (pid 7) leaks")
        #expect(finding.processes == [Finding.Process(pid: 7, command: Self.escaped)])
        #expect(finding.netns == Finding.Namespace(inode: 4_026_532_000, label: Self.escaped))
        #expect(
            finding.evidence == [
                EvidenceField("count", 3),
                EvidenceField("command", .text(Self.escaped)),
                EvidenceField(Self.escaped, .list([.text(Self.escaped), .integer(1)])),
                EvidenceField(
                    "holders",
                    .object([EvidenceField("first", .text(Self.escaped)), EvidenceField("shared", .boolean(true))])
                ),
            ]
        )
        #expect(finding.why == "\(Self.escaped) has not closed")
        #expect(finding.remedies == ["fix \(Self.escaped)", "plain advice"])
        #expect(finding.rule == "close-wait-leak")
        #expect(finding.severity == .warning)
    }

    @Test func tcpdoctorsOwnTextIsUnchanged() {
        let plain = Finding(rule: "time-wait", severity: .info, summary: "a pile", why: "because", remedies: ["wait"])
        #expect(plain.escapedForText == plain)
    }
}
