import Testing

@testable import TCPDoctorCore

/// `doctor --config` (issue 16, item 3): the real rules' findings on built snapshots, and the
/// files and notes the advice makes of them.
struct ConfigurationAdviceTests {
    /// A process at 980 of its 1024 fds, 900 of them CLOSE_WAIT: fd-exhaustion and close-wait-leak.
    func leakingServer(user: String? = "www-data") -> DiagnosisInput {
        var builder = SnapshotBuilder()
        builder.process(300, "python3", openFiles: 980, limit: 1024, hard: 4096)
        builder.processes[300]?.user = user
        builder.listener(port: 8000, pids: [300])
        builder.add(900, .closeWait, localPort: { _ in 8000 }, remotePort: { UInt16(30_000 + $0) }, pids: [300])
        return builder.input(host: HostFacts(nrOpen: 1_048_576))
    }

    func advice(_ input: DiagnosisInput, _ placements: [Int32: ProcessPlacement] = [:]) -> ConfigurationAdvice {
        ConfigurationAdvice.advise(Doctor.diagnose(input), input: input, placements: placements)
    }

    @Test func aServiceAtItsFDLimitGetsADropInThatSaysTheLeakRemains() throws {
        let advice = advice(leakingServer(), [300: .systemService(unit: "shop.service")])
        let file = try #require(advice.files.first)
        #expect(advice.files.count == 1)
        #expect(file.kind == .systemdDropIn)
        #expect(file.path == "/etc/systemd/system/shop.service.d/90-tcpdoctor-nofile.conf")
        #expect(file.apply == ["systemctl daemon-reload", "systemctl restart shop.service"])
        let setting = try #require(file.settings.first)
        #expect(setting.name == "LimitNOFILE")
        #expect(setting.current == "1024:4096")
        #expect(setting.proposed == "65536")
        #expect(setting.why.contains("close-wait-leak"))
        #expect(setting.why.contains("only postpones the failure"))
        #expect(file.contents.hasSuffix("[Service]\nLimitNOFILE=65536\n"))
        #expect(file.findings.first?.hasPrefix("fd-exhaustion") == true)
        // The leak itself is the program's to fix: a note, not a setting.
        #expect(
            advice.notes.contains {
                $0.finding.hasPrefix("close-wait-leak") && $0.text.contains("fix is in the program")
            }
        )
    }

    @Test func outsideAUnitTheUsersLimitsAndPrlimitForNow() throws {
        let advice = advice(leakingServer())
        let file = try #require(advice.files.first)
        #expect(file.kind == .limits)
        #expect(file.path == "/etc/security/limits.d/90-tcpdoctor-www-data.conf")
        #expect(file.contents.hasSuffix("www-data soft nofile 65536\nwww-data hard nofile 65536\n"))
        #expect(
            file.apply.contains { $0.hasPrefix("now, for the running process: prlimit --pid 300 --nofile=65536:65536") }
        )
    }

    @Test func aContainerOrANamelessUserGetsANoteNotAFile() {
        let container = advice(leakingServer(), [300: .container(runtime: "docker", id: "0123456789abcdef")])
        #expect(container.files.isEmpty)
        #expect(container.notes.contains { $0.text.contains("--ulimit nofile=65536:65536") })
        let nameless = advice(leakingServer(user: nil))
        #expect(nameless.files.isEmpty)
        #expect(nameless.notes.contains { $0.text.contains("no limits.d entry can name it") })
        // A user name that is not a plain one never reaches a path.
        let odd = advice(leakingServer(user: "../../etc/x"))
        #expect(odd.files.isEmpty)
    }

    @Test func aProcessNameCannotAddALineToTheFile() throws {
        var builder = SnapshotBuilder()
        builder.process(300, "x\n[Service]\nExecStartPre=/bin/sh", openFiles: 1000, limit: 1024, hard: 1024)
        builder.add(990, .established, pids: [300])
        let input = builder.input()
        let file = try #require(advice(input, [300: .systemService(unit: "shop.service")]).files.first)
        let lines = file.contents.split(separator: "\n")
        #expect(lines.filter { !$0.hasPrefix("#") } == ["[Service]", "LimitNOFILE=65536"])
        // A unit name outside systemd's alphabet is not taken for one.
        let odd = advice(input, [300: .systemService(unit: "a/../../b.service")])
        #expect(odd.files.allSatisfy { !$0.path.contains("..") })
        #expect(!odd.notes.isEmpty)
    }

    @Test func theProposedLimitLeavesRoomAndStaysUnderNROpen() {
        #expect(ConfigurationAdvice.proposedFileLimit(openFiles: 1000, soft: 1024, hard: 4096, nrOpen: nil) == 65536)
        #expect(
            ConfigurationAdvice.proposedFileLimit(openFiles: 30000, soft: 32768, hard: 32768, nrOpen: nil) == 131_072
        )
        #expect(
            ConfigurationAdvice.proposedFileLimit(openFiles: 1000, soft: 1024, hard: 524_288, nrOpen: nil) == 524_288
        )
        #expect(
            ConfigurationAdvice.proposedFileLimit(openFiles: 900_000, soft: 1_000_000, hard: nil, nrOpen: 1_048_576)
                == 1_048_576
        )
    }

    @Test func aClientOutOfPortsGetsAWiderRangeAndTWReuseNeverRecycleOrFinTimeout() throws {
        var builder = SnapshotBuilder()
        builder.facts = NamespaceFacts(sysctls: [
            "net.ipv4.ip_local_port_range": "40000\t49999", "net.ipv4.tcp_tw_reuse": "2",
            "net.ipv4.tcp_fin_timeout": "60", "net.ipv4.tcp_timestamps": "1",
        ])
        builder.process(100, "fetcher")
        builder.add(8_500, .timeWait, orphan: true)
        builder.process(7, "redis")
        builder.listener(port: 16379, pids: [7])
        let advice = advice(builder.input())
        let file = try #require(advice.files.first)
        #expect(advice.files.count == 1)
        #expect(file.kind == .sysctl)
        #expect(file.path == "/etc/sysctl.d/90-tcpdoctor.conf")
        #expect(
            file.settings.map(\.name) == [
                "net.ipv4.ip_local_port_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_tw_reuse",
            ]
        )
        #expect(file.settings[0].current == "40000 49999")
        #expect(file.settings[0].proposed == "15000 65000")
        #expect(file.settings[1].proposed == "16379")
        #expect(file.settings[2].current == "2")
        #expect(file.settings[2].proposed == "1")
        #expect(file.contents.contains("\nnet.ipv4.tcp_tw_reuse = 1\n"))
        #expect(!file.contents.contains("tcp_tw_recycle ="))
        #expect(!file.contents.contains("tcp_fin_timeout ="))
        #expect(advice.notes.contains { $0.text.hasPrefix("Fewer new connections is the fix that lasts") })
    }

    @Test func tcpTWRecycleIsTurnedOffAndBacklogsRaisedOnlyWhereSomaxconnCuts() throws {
        var recycle = SnapshotBuilder()
        recycle.facts = NamespaceFacts(sysctls: ["net.ipv4.tcp_tw_recycle": "1", "net.ipv4.tcp_timestamps": "1"])
        recycle.process(1, "sshd")
        recycle.add(40, .established, pids: [1])
        let off = try #require(advice(recycle.input()).files.first?.settings.first)
        #expect(off.name == "net.ipv4.tcp_tw_recycle")
        #expect(off.proposed == "0")

        var server = SnapshotBuilder()
        server.facts = NamespaceFacts(sysctls: ["net.core.somaxconn": "128", "net.ipv4.tcp_max_syn_backlog": "256"])
        server.process(7, "node")
        server.listener(port: 3000, pids: [7], queued: 129, backlog: 128)
        let raised = try #require(advice(server.input()).files.first)
        #expect(raised.settings.map(\.name) == ["net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog"])
        #expect(raised.settings.map(\.proposed) == ["4096", "4096"])

        var own = SnapshotBuilder()
        own.facts = NamespaceFacts(sysctls: ["net.core.somaxconn": "4096"])
        own.process(7, "node")
        own.listener(port: 3000, pids: [7], queued: 65, backlog: 64)
        let noted = advice(own.input())
        #expect(noted.files.isEmpty)
        #expect(noted.notes.contains { $0.text.contains("no kernel setting raises it") })
    }

    @Test func aFindingInAnotherNamespaceGetsTheCommandForThatNamespace() throws {
        var builder = SnapshotBuilder()
        builder.netns = 77
        builder.facts = NamespaceFacts(sysctls: ["net.ipv4.tcp_tw_recycle": "1"])
        builder.process(1, "app")
        builder.add(40, .established, pids: [1])
        var input = builder.input()
        input.host.namespaces[77] = builder.facts
        input.host.namespaces[SnapshotBuilder.hostNamespace] = NamespaceFacts()
        let findings = Doctor.diagnose(input).filter { $0.rule == "kernel-settings" }
        try #require(!findings.isEmpty)
        let advice = ConfigurationAdvice.advise(findings, input: input, placements: [:])
        #expect(advice.files.isEmpty)
        #expect(
            advice.notes.contains { $0.text.contains("ip netns exec NAME sysctl -w net.ipv4.tcp_tw_recycle=\"0\"") }
        )
    }

    @Test(arguments: [
        ("0::/system.slice/nginx.service\n", ProcessPlacement.systemService(unit: "nginx.service")),
        ("0::/system.slice/docker-0123abcd.scope\n", .container(runtime: "docker", id: "0123abcd")),
        ("0::/user.slice/user-1000.slice/session-3.scope\n", .session),
        (
            "0::/user.slice/user-1000.slice/user@1000.service/app.slice/sync.service\n",
            .userService(unit: "sync.service", uid: 1000)
        ),
        ("0::/kubepods.slice/kubepods-burstable.slice/pod1/abc\n", .container(runtime: "kubernetes", id: "abc")),
        ("12:name=systemd:/system.slice/cron.service\n11:memory:/x\n0::/\n", .systemService(unit: "cron.service")),
        ("0::/\n", .session),
    ])
    func placementsFromCgroupFiles(text: String, expected: ProcessPlacement) {
        #expect(ProcessPlacement(cgroupFile: text) == expected)
    }
}
