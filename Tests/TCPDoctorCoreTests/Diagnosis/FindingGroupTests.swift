import Testing

@testable import TCPDoctorCore

/// Findings alike over several processes of one program, told once; and the report's links.
struct FindingGroupTests {
    /// Twelve pre-fork workers of `gunicorn`, pids 1001...1012, each leaking 40 CLOSE_WAIT on :8000.
    func preFork(workers: Int = 12) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        let pids = (1...workers).map { Int32(1000 + $0) }
        for pid in pids { builder.process(pid, "gunicorn", runtime: .cpython) }
        builder.listener(port: 8000, pids: pids)
        for pid in pids {
            builder.add(
                40,
                .closeWait,
                localPort: { _ in 8000 },
                remotePort: { UInt16(20_000 + Int(pid - 1000) * 50 + $0) },
                recvQ: { _ in 1 },
                pids: [pid]
            )
        }
        return builder
    }

    @Test func preForkWorkersLeakingAlikeAreToldOnce() throws {
        let findings = Doctor.diagnose(preFork().input())
        #expect(findings.count == 12)
        #expect(Set(findings.map(\.id)).count == 12)
        let groups = FindingGroup.group(findings)
        let group = try #require(groups.first)
        #expect(groups.count == 1)
        #expect(group.findings.count == 12)
        #expect(group.processes.map(\.pid).sorted() == (1001...1012).map { Int32($0) })
        #expect(
            group.summary
                == "gunicorn (12 processes) leaks 480 CLOSE_WAIT sockets on its listening port :8000 (1 peer): the FIN is unread (it stopped reading these sockets)"
        )
        #expect(group.size == 480)
        #expect(group.evidence.first == EvidenceField("count", 480))
        #expect(
            group.evidence.first { $0.key == "top_peers" }?.value
                == .list([.object([EvidenceField("address", "10.0.0.9"), EvidenceField("count", 480)])])
        )
        #expect(group.evidence.first { $0.key == "local_port" }?.value == .integer(8000))
    }

    @Test func differentProgramsPlacesOrSeveritiesStayApart() throws {
        var builder = preFork(workers: 2)
        builder.process(2000, "uwsgi", runtime: .cpython)
        builder.add(40, .closeWait, localPort: { _ in 8000 }, recvQ: { _ in 1 }, pids: [2000])
        builder.add(150, .closeWait, localPort: { _ in 8000 }, recvQ: { _ in 1 }, pids: [1001])
        let groups = FindingGroup.group(Doctor.diagnose(builder.input()))
        // 1001 is critical (190), 1002 a warning, uwsgi another program.
        #expect(groups.map(\.findings.count) == [1, 1, 1])
        #expect(groups.allSatisfy { !$0.isGroup && $0.summary == $0.representative.summary })
    }

    @Test func evidenceReadsInWordsAndUnitsOnOneLine() {
        let evidence: [EvidenceField] = [
            EvidenceField("count", 50), EvidenceField("fin_unread", 50), EvidenceField("eof_not_closed", 0),
            EvidenceField("oldest_age_seconds_estimate", 185), EvidenceField("open_files", 54),
            EvidenceField("fd_limit_soft", 20000), EvidenceField("fd_limit_share", 0.003),
            EvidenceField("runtime", "native code"),
            EvidenceField(
                "local_peers",
                .list([
                    .object([
                        EvidenceField("holder", "orphaned"), EvidenceField("state", "FIN_WAIT2"),
                        EvidenceField("count", 50),
                    ])
                ])
            ),
            EvidenceField("retransmits_max", 3), EvidenceField("sample_key", "x"),
        ]
        #expect(
            EvidenceCatalog.compactLine(evidence)
                == "oldest ~3 min 5 s · 54 open files · 0.3% of the fd limit · native code · local peers: orphaned FIN_WAIT2 ×50 · up to 3 retransmissions · sample key x"
        )
        // Too narrow for all: the lowest priorities go, the rest keep the rule's order.
        #expect(
            EvidenceCatalog.compactLine(evidence, width: 80)
                == "oldest ~3 min 5 s · 0.3% of the fd limit · local peers: orphaned FIN_WAIT2 ×50"
        )
        #expect(EvidenceCatalog.compactLine([EvidenceField("count", 3)]) == nil)
        let settings: EvidenceValue = .list([
            .object([
                EvidenceField("sysctl", "net.ipv4.tcp_fin_timeout"), EvidenceField("value", 60),
                EvidenceField("governs", "seconds an orphaned FIN_WAIT2 waits"),
            ])
        ])
        #expect(
            EvidenceCatalog.settingLines(settings) == [
                "net.ipv4.tcp_fin_timeout = 60: seconds an orphaned FIN_WAIT2 waits"
            ]
        )
    }

    @Test func linksPointOnlyAtFindingsPresentAndBothWays() {
        var a = Finding(rule: "fin-wait2", severity: .warning, summary: "a", why: "", id: "fin-wait2/1")
        a.related = ["close-wait-leak/9/80", "close-wait-leak/7/80"]
        a.remedies = [
            "Fix pid 9 (see finding close-wait-leak/9/80) (see finding close-wait-leak/7/80): names the change."
        ]
        let b = Finding(rule: "close-wait-leak", severity: .warning, summary: "b", why: "", id: "close-wait-leak/9/80")
        let c = Finding(rule: "close-wait-leak", severity: .warning, summary: "c", why: "", id: "close-wait-leak/9/80")
        let linked = FindingLinks.resolve([a, b, c])
        #expect(linked.map(\.id) == ["fin-wait2/1", "close-wait-leak/9/80", "close-wait-leak/9/80#2"])
        #expect(linked[0].related == ["close-wait-leak/9/80"])
        #expect(linked[1].related == ["fin-wait2/1"])
        #expect(linked[2].related.isEmpty)
        #expect(linked[0].remedies == ["Fix pid 9 (see finding close-wait-leak/9/80): names the change."])
        #expect(FindingLinks.resolve(linked) == linked)
    }
}
