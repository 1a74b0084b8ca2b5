import Testing

@testable import TCPDoctorCore

struct KernelSettingsRuleTests {
    let rule = KernelSettingsRule()

    /// A stock kernel's settings.
    static let defaults: [String: String] = [
        "net.ipv4.tcp_keepalive_time": "7200", "net.ipv4.tcp_keepalive_intvl": "75",
        "net.ipv4.tcp_keepalive_probes": "9",
        "net.ipv4.tcp_fin_timeout": "60", "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.tcp_max_tw_buckets": "262144",
        "net.ipv4.ip_local_port_range": "32768\t60999", "net.core.somaxconn": "4096",
        "net.ipv4.tcp_max_syn_backlog": "1024",
        "net.ipv4.tcp_syncookies": "1", "net.ipv4.tcp_max_orphans": "262144", "net.ipv4.tcp_orphan_retries": "0",
    ]

    func host(
        _ changes: [String: String] = [:],
        sockstat: [String: Int64] = [:],
        counters: [String: Int64] = [:]
    ) -> SnapshotBuilder {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(
            sysctls: Self.defaults.merging(changes) { $1 },
            counters: counters,
            sockstat: ["inuse": 40, "orphan": 0, "tw": 12, "alloc": 45].merging(sockstat) { $1 }
        )
        builder.process(1, "sshd")
        builder.add(40, .established, pids: [1])
        builder.add(12, .timeWait, orphan: true)
        return builder
    }

    @Test func aHealthyHostGetsNothing() {
        #expect(rule.diagnose(host().input()).isEmpty)
    }

    @Test func everySettingTheBriefNamesIsExplained() {
        let names = [
            "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
            "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_max_tw_buckets",
            "net.ipv4.ip_local_port_range",
            "net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_syncookies",
        ]
        for name in names { #expect(KernelSetting.named(name)?.governs.isEmpty == false, "\(name)") }
        #expect(KernelSetting.named("net.ipv4.tcp_fin_timeout")?.governs.contains("does not change TIME_WAIT") == true)
        #expect(KernelSetting.named("net.ipv4.tcp_tw_recycle")?.governs.contains("removed in Linux 4.12") == true)
    }

    @Test func multiValuedSettingsStayText() throws {
        let field = try #require(
            KernelSetting.evidence(["net.ipv4.ip_local_port_range", "net.core.somaxconn"], facts: host().facts)
        )
        guard case .list(let items) = field.value, items.count == 2, case .object(let range) = items[0],
            case .object(let somaxconn) = items[1]
        else {
            Issue.record("unexpected shape \(field.value)")
            return
        }
        #expect(range.first { $0.key == "value" }?.value == .text("32768 60999"))
        #expect(somaxconn.first { $0.key == "value" }?.value == .integer(4096))
        #expect(KernelSetting.evidence(["net.ipv4.nonexistent"], facts: host().facts) == nil)
    }

    @Test func tcpTWRecycleOnAnOldKernel() throws {
        var builder = host(["net.ipv4.tcp_tw_recycle": "1"], counters: ["TcpExt.PAWSPassive": 312])
        let finding = try #require(rule.diagnose(builder.input(host: HostFacts(kernelRelease: "4.9.0-19-amd64"))).first)
        #expect(finding.rule == "kernel-settings")
        #expect(finding.severity == .warning)
        #expect(
            finding.summary
                == "net.ipv4.tcp_tw_recycle is enabled: connections from clients behind NAT are silently rejected"
        )
        #expect(finding.text("kernel_release") == "4.9.0-19-amd64")
        #expect(finding.integer("paws_passive_rejects_since_boot") == 312)
        #expect(finding.why.contains("removed in Linux 4.12"))
        builder.facts.sysctls["net.ipv4.tcp_tw_recycle"] = "0"
        #expect(rule.diagnose(builder.input()).isEmpty)
    }

    @Test func theTimeWaitTableNearItsLimit() throws {
        let builder = host(
            ["net.ipv4.tcp_max_tw_buckets": "10000"],
            sockstat: ["tw": 9_500],
            counters: ["TcpExt.TCPTimeWaitOverflow": 77]
        )
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(
            finding.summary
                == "9500 TIME_WAIT sockets fill 95% of net.ipv4.tcp_max_tw_buckets (10000): beyond it the kernel drops TIME_WAIT early"
        )
        #expect(finding.integer("time_wait_overflow_since_boot") == 77)
        #expect(finding.why.contains("TIME_WAIT lasts 60 s whatever tcp_fin_timeout says"))
        #expect(rule.diagnose(host(["net.ipv4.tcp_max_tw_buckets": "10000"], sockstat: ["tw": 5_000]).input()).isEmpty)
        let lowered = host(["net.ipv4.tcp_max_tw_buckets": "10000"], sockstat: ["tw": 5_000])
        #expect(rule.diagnose(lowered.input(overrides: ["kernel-settings.tw-buckets-share-warning": 0.5])).count == 1)
    }

    @Test func withoutSockstatTheSnapshotCountsTimeWait() throws {
        var builder = host(["net.ipv4.tcp_max_tw_buckets": "20"])
        builder.facts.sockstat = [:]
        builder.add(10, .timeWait, orphan: true)
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.integer("count") == 22)
    }

    @Test func orphansNearTheirLimit() throws {
        let builder = host(
            ["net.ipv4.tcp_max_orphans": "65536"],
            sockstat: ["orphan": 60_000],
            counters: ["TcpExt.TCPAbortOnMemory": 3]
        )
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.summary.hasPrefix("60000 orphaned sockets fill 92% of net.ipv4.tcp_max_orphans (65536)"))
        #expect(finding.integer("abort_on_memory_since_boot") == 3)
        #expect(finding.quotedSettings.contains("net.ipv4.tcp_orphan_retries"))
    }

    @Test func aLoweredFinTimeoutNextToATimeWaitPileIsCorrected() throws {
        var builder = host(["net.ipv4.tcp_fin_timeout": "15"], sockstat: ["tw": 2_000])
        let finding = try #require(rule.diagnose(builder.input()).first)
        #expect(finding.severity == .info)
        #expect(
            finding.summary
                == "net.ipv4.tcp_fin_timeout was lowered to 15 s, but it does not shorten the 2000 TIME_WAIT sockets here"
        )
        #expect(finding.why.contains("TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN"))
        #expect(finding.why.contains("bounds only orphaned FIN_WAIT2"))
        #expect(finding.remedies.contains { $0.contains("tcp_tw_recycle is gone since Linux 4.12") })
        builder.facts.sockstat["tw"] = 20
        #expect(rule.diagnose(builder.input()).isEmpty, "no symptom, no advice")
        #expect(rule.diagnose(host(sockstat: ["tw": 2_000]).input()).isEmpty, "default tcp_fin_timeout")
    }

    @Test func findingsCarryTheirNamespace() throws {
        let facts = NamespaceFacts(sysctls: ["net.ipv4.tcp_tw_recycle": "1"])
        let input = DiagnosisInput(
            snapshot: Snapshot(takenAt: 0, sockets: [], namespaces: [NetworkNamespace(inode: 7, names: ["db"])]),
            host: HostFacts(namespaces: [7: facts, 8: facts])
        )
        let findings = rule.diagnose(input)
        #expect(findings.map(\.netns?.label) == ["db", "net:[8]"])
        #expect(findings.map(\.netns?.inode) == [7, 8])
    }
}
