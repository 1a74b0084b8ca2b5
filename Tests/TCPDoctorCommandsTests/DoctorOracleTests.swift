import Foundation
import Glibc
import TCPDoctorLab
import TCPDoctorTestSupport
import Testing

/// The doctor as a test oracle: every lab scenario must make it report the scenario's rule
/// against the right process with the right count, and every `--fixed` variant must leave that
/// rule quiet about that process.
@Suite(.serialized)
struct DoctorOracleTests {
    /// Per scenario: connections to open, and threshold overrides that fit a small lab.
    static let sizes: [String: (connections: Int, thresholds: [String])] = [
        "close-wait-noread": (30, []),
        "close-wait-eof": (30, []),
        "close-wait-data": (30, []),
        "fork-shared": (12, []),
        "http-client-leak": (30, []),
        "server-closes-first": (60, ["time-wait.server-warning=30"]),
        "port-exhaustion": (300, []),
        "emfile": (256, []),
        // The resets are a moment old when the doctor looks: no idle time is asked of them.
        "reset-held": (20, ["dead-socket-fds.min-idle-seconds=0"]),
        "accept-stall": (16, []),
        "unanswered-syn": (30, []),
    ]

    static func scenarios() -> [String] {
        LabScenario.all.map(\.id).filter { id in
            guard let scenario = try? LabScenario.named(id) else { return false }
            return !scenario.needsNamespace || TestNamespace.isAvailable
        }
    }

    /// The findings of `rule` that name one of `pids`; for TIME_WAIT, which has no owner, also
    /// those that can name no process (a client whose connections are all closed) but are about
    /// the lab's server port: TIME_WAIT that other tests leave on the host is not the lab's.
    static func findings(
        _ rule: String,
        about pids: [Int32],
        port: UInt16,
        netns: String?,
        thresholds: [String]
    ) throws
        -> [[String: Any]]
    {
        var arguments = ["doctor", "--json", "--rule", rule, "--fail-on", "critical"]
        arguments += ["--netns", netns ?? "current"]
        for threshold in thresholds { arguments += ["--threshold", threshold] }
        let run = try runTCPDoctor(arguments)
        #expect(run.status == 0 || run.status == 1, "stderr: \(run.stderr)")
        let all = try run.json()["findings"] as? [[String: Any]] ?? []
        return all.filter { finding in
            let processes = finding["processes"] as? [[String: Any]] ?? []
            if rule == "time-wait" && processes.isEmpty {
                let evidence = finding["evidence"] as? [String: Any] ?? [:]
                return evidence["local_port"] as? Int == Int(port)
                    || (evidence["destination"] as? String)?.hasSuffix(":\(port)") == true
            }
            return processes.contains { pids.contains($0["pid"] as? Int32 ?? -1) }
        }
    }

    @Test(arguments: scenarios())
    func doctorNamesTheRuleProcessAndCount(id: String) throws {
        let scenario = try LabScenario.named(id)
        let size = try #require(Self.sizes[id])
        let lab = try LabRun.start(
            scenario,
            options: LabOptions(connections: size.connections),
            executable: tcpdoctorExecutable()
        )
        defer { lab.stop() }
        let culprits = lab.pids(of: scenario.culprit)
        #expect(!culprits.isEmpty)
        let found = try Self.findings(
            scenario.expectedRule,
            about: culprits,
            port: lab.serverPort,
            netns: lab.netns,
            thresholds: size.thresholds
        )
        let finding = try #require(found.first, "\(id): no \(scenario.expectedRule) finding about \(culprits)")
        let count = (finding["evidence"] as? [String: Any])?["count"] as? Int ?? 0
        #expect(count > 0, "\(id): evidence count")
        if scenario.expectedRule == "close-wait-leak" {
            #expect(count == size.connections, "\(id): every leaked socket is counted")
        }
        if scenario.expectedRule == "syn-sent" {
            #expect(count == size.connections, "\(id): every attempt is counted")
        }
        if scenario.expectedRule == "listen-backlog" {
            #expect(finding["severity"] as? String == "critical", "\(id): a full accept queue")
            #expect(count == 9, "\(id): the accept queue holds backlog + 1")
        }
    }

    @Test(arguments: scenarios())
    func fixedVariantLeavesTheRuleQuiet(id: String) throws {
        let scenario = try LabScenario.named(id)
        let size = try #require(Self.sizes[id])
        let lab = try LabRun.start(
            scenario,
            options: LabOptions(connections: size.connections, fixed: true),
            executable: tcpdoctorExecutable()
        )
        defer { lab.stop() }
        let culprits = lab.pids(of: scenario.culprit)
        let found = try Self.findings(
            scenario.expectedRule,
            about: culprits,
            port: lab.serverPort,
            netns: lab.netns,
            thresholds: size.thresholds
        )
        #expect(found.isEmpty, "\(id) --fixed: \(found.map { $0["summary"] ?? "" })")
    }
}
