import Foundation
import Glibc
import TCPDoctorLab
import TCPDoctorTestSupport
import Testing

/// The doctor's text for people, on the lab's scenarios: short by default, complete with
/// `--verbose`, and the ends of local connections named and linked.
@Suite(.serialized)
struct DoctorTextTests {
    /// The scenarios whose culprit leaks CLOSE_WAIT, with the connections each opens.
    static let closeWaitScenarios = ["close-wait-noread", "close-wait-eof", "close-wait-data", "http-client-leak"]

    /// The blocks of a text report, one per finding: from its badge line to the next blank line.
    static func blocks(_ text: String) -> [[Substring]] {
        var blocks: [[Substring]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("CRITICAL") || line.hasPrefix("WARNING") || line.hasPrefix("INFO") {
                blocks.append([line])
            } else if line.isEmpty || line == "In general:" {
                if blocks.last?.isEmpty == false, blocks.last?.last?.isEmpty == false { blocks.append([]) }
            } else if !blocks.isEmpty, blocks[blocks.count - 1].first.map({ !$0.isEmpty }) == true {
                blocks[blocks.count - 1].append(line)
            }
        }
        return blocks.filter { !$0.isEmpty }
    }

    /// The fixes of a block: each `- ` bullet with its wrapped continuation lines joined.
    static func fixes(_ block: [Substring]) -> [String] {
        var fixes: [String] = []
        var inFixes = false
        for line in block {
            let trimmed = line.drop { $0 == " " }
            if line.hasPrefix("  fix: - ") {
                inFixes = true
                fixes.append(String(line.dropFirst("  fix: - ".count)))
            } else if inFixes, trimmed.hasPrefix("- ") {
                fixes.append(String(trimmed.dropFirst(2)))
            } else if inFixes, line.hasPrefix("         ") {
                fixes[fixes.count - 1] += " " + trimmed
            } else {
                inFixes = false
            }
        }
        return fixes
    }

    /// `text` with runs of spaces and line breaks made one space, to find wrapped sentences.
    static func flat(_ text: some StringProtocol) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    }

    @Test(arguments: closeWaitScenarios)
    func oneCloseWaitFindingIsShortAndSaysEachThingOnce(id: String) throws {
        let scenario = try LabScenario.named(id)
        let lab = try LabRun.start(scenario, options: LabOptions(connections: 30), executable: tcpdoctorExecutable())
        defer { lab.stop() }
        let culprit = try #require(lab.pids(of: scenario.culprit).first)
        let arguments = ["doctor", "--pid", "\(culprit)", "--rule", "close-wait-leak"]
        let text = try runTCPDoctor(arguments).stdout
        let block = try #require(Self.blocks(text).first, "\(id): no finding in\n\(text)")
        #expect(Self.blocks(text).count == 1)
        #expect(block.count <= 12, "\(id): \(block.count) lines\n\(block.joined(separator: "\n"))")
        let whyLines = block.drop { !$0.hasPrefix("  why: ") }.prefix { !$0.hasPrefix("  fix: ") }
        #expect(whyLines.count <= 4, "\(id): why of \(whyLines.count) lines")
        // The evidence on one line: the line after it starts the why.
        let evidenceLine = try #require(block.firstIndex { $0.hasPrefix("  evidence: ") })
        #expect(block[evidenceLine + 1].hasPrefix("  why: "))

        let json = try runTCPDoctor(arguments + ["--json"]).json()
        let finding = try #require((json["findings"] as? [[String: Any]])?.first)
        let evidence = try #require(finding["evidence"] as? [String: Any])
        for key in evidence.keys where key.contains("_") {
            #expect(!text.contains(key), "\(id): raw evidence key \(key) in the default text")
        }
        #expect(text.range(of: #"\b[a-z]+_[a-z_]+:"#, options: .regularExpression) == nil)
        let fixes = Self.fixes(block)
        #expect(Set(fixes).count == fixes.count, "\(id): a remedy said twice: \(fixes)")
        #expect(fixes.first?.hasPrefix("native code: ") == true, "\(id): the runtime's fix first: \(fixes)")
        // Every remedy of the JSON is in the text once: under the finding, or the general advice.
        let remedies = finding["remedies"] as? [String] ?? []
        for remedy in remedies {
            #expect(Self.flat(text).components(separatedBy: remedy).count == 2, "\(id): \(remedy)")
        }

        let verbose = try runTCPDoctor(arguments + ["--verbose"]).stdout
        let flatVerbose = Self.flat(verbose)
        for key in evidence.keys { #expect(verbose.contains("    \(key): ") || verbose.contains("    \(key):\n")) }
        // Two snapshots: ages may have moved on by a second between them.
        let digits = { (text: String) in text.replacing(#/[0-9]+/#, with: "#") }
        #expect(
            digits(flatVerbose).contains(digits(Self.flat(finding["why"] as? String ?? "?"))),
            "\(id): the whole why"
        )
        for remedy in remedies { #expect(flatVerbose.contains(remedy), "\(id): --verbose keeps \(remedy)") }
    }

    @Test(arguments: DoctorOracleTests.scenarios())
    func everyScenarioReadsWithoutRawKeysAndSaysNoFixTwice(id: String) throws {
        let scenario = try LabScenario.named(id)
        let size = try #require(DoctorOracleTests.sizes[id])
        let lab = try LabRun.start(
            scenario,
            options: LabOptions(connections: size.connections),
            executable: tcpdoctorExecutable()
        )
        defer { lab.stop() }
        // Only this lab's findings: its namespace, or its processes on the host.
        var arguments = ["doctor", "--rule", scenario.expectedRule]
        if let netns = lab.netns {
            arguments += ["--netns", netns]
        } else {
            arguments += lab.pids(of: scenario.culprit).flatMap { ["--pid", "\($0)"] }
        }
        for threshold in size.thresholds { arguments += ["--threshold", threshold] }
        let text = try runTCPDoctor(arguments).stdout
        let blocks = Self.blocks(text)
        #expect(!blocks.isEmpty, "\(id): no finding in\n\(text)")
        // No evidence key as a label (`fin_unread: 60`, `nr open`-like fallbacks are words); sysctl
        // names in sentences (`net.ipv4.tcp_fin_timeout`, `tcp_fin_timeout=60 s`) are prose.
        let json = try runTCPDoctor(arguments + ["--json"]).json()
        for finding in json["findings"] as? [[String: Any]] ?? [] {
            for key in (finding["evidence"] as? [String: Any] ?? [:]).keys where key.contains("_") {
                let label = #"(^|\s)"# + key + #"(:|\s)"#
                #expect(text.range(of: label, options: .regularExpression) == nil, "\(id): \(key) in\n\(text)")
            }
        }
        var said: Set<String> = []
        for block in blocks {
            for fix in Self.fixes(block) where !fix.hasSuffix("given above") {
                #expect(said.insert(fix).inserted, "\(id): said twice: \(fix)")
            }
            let why = block.drop { !$0.hasPrefix("  why: ") }.prefix { $0.hasPrefix("  why: ") || $0.hasPrefix("    ") }
            #expect(why.count <= 4, "\(id): why of \(why.count) lines")
        }
    }

    /// Polls `doctor --json` until `found` picks a finding, for at most `seconds`.
    static func poll(
        _ arguments: [String],
        seconds: Double = 10,
        found: ([[String: Any]]) -> Bool
    ) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let findings = try runTCPDoctor(arguments).json()["findings"] as? [[String: Any]] ?? []
            if found(findings) || Date() > deadline { return findings }
            usleep(100_000)
        }
    }

    @Test func aFinWait2PileTowardALocalServerNamesItAndLinksToItsFinding() throws {
        let scenario = try LabScenario.named("close-wait-noread")
        let lab = try LabRun.start(scenario, options: LabOptions(connections: 30), executable: tcpdoctorExecutable())
        defer { lab.stop() }
        let server = try #require(lab.pids(of: .server).first)
        let arguments = [
            "doctor", "--threshold", "fin-wait2.warning=10", "--rule", "fin-wait2", "--rule", "close-wait-leak",
        ]
        // The FIN_WAIT2 finding toward 127.0.0.1 whose other ends our server holds; other loopback
        // FIN_WAIT2 (other suites' tests) may be counted in it too, so it is found by our pid.
        let mine = { (finding: [String: Any]) -> Bool in
            let peers = (finding["evidence"] as? [String: Any])?["local_peers"] as? [[String: Any]] ?? []
            return finding["rule"] as? String == "fin-wait2" && peers.contains { $0["pid"] as? Int32 == server }
        }
        let findings = try Self.poll(arguments + ["--json"]) { $0.contains(where: mine) }
        let finWait2 = try #require(findings.first(where: mine), "no FIN_WAIT2 finding naming \(server)")
        let closeWait = try #require(
            findings.first { ($0["processes"] as? [[String: Any]])?.first?["pid"] as? Int32 == server }
        )
        let closeWaitID = try #require(closeWait["id"] as? String)
        let finWait2ID = try #require(finWait2["id"] as? String)
        #expect(closeWaitID == "close-wait-leak/\(server)/\(lab.serverPort)")
        #expect((finWait2["related"] as? [String])?.contains(closeWaitID) == true)
        #expect((closeWait["related"] as? [String])?.contains(finWait2ID) == true)
        let remedies = finWait2["remedies"] as? [String] ?? []
        #expect(remedies.first?.hasPrefix("Fix ") == true, "\(remedies)")
        #expect(remedies.first?.contains("pid \(server) (lab-srv-noread)") == true, "\(remedies)")
        #expect(remedies.first?.contains("(see finding \(closeWaitID))") == true)
        #expect(!remedies.contains { $0.contains("run tcpdoctor on the host of") })
        #expect((finWait2["summary"] as? String)?.contains("lab-srv-noread (pid \(server))") == true)

        let text = try runTCPDoctor(arguments).stdout
        let block = try #require(Self.blocks(text).first { $0.first?.contains("[\(finWait2ID)]") == true })
        #expect(!Self.flat(block.joined(separator: "\n")).contains("run tcpdoctor on the host of"))
        #expect(Self.flat(block.joined(separator: "\n")).contains("pid \(server) (lab-srv-noread)"))
    }

    @Test(.enabled(if: TestNamespace.isAvailable, "needs root for the lab's network namespace"))
    func timeWaitTowardALocalListenerNamesTheServer() throws {
        let scenario = try LabScenario.named("port-exhaustion")
        let lab = try LabRun.start(scenario, options: LabOptions(connections: 300), executable: tcpdoctorExecutable())
        defer { lab.stop() }
        let server = try #require(lab.pids(of: .server).first)
        let netns = try #require(lab.netns)
        let json = try runTCPDoctor(["doctor", "--json", "--netns", netns, "--rule", "time-wait"]).json()
        let finding = try #require((json["findings"] as? [[String: Any]])?.first)
        let local = (finding["evidence"] as? [String: Any])?["local_server"] as? [String]
        #expect(local == ["lab-srv-sink (pid \(server))"])
        #expect(
            (finding["summary"] as? String)?.hasSuffix("(the server is lab-srv-sink (pid \(server)) on this host)")
                == true
        )
        let remedies = finding["remedies"] as? [String] ?? []
        #expect(remedies.first?.hasPrefix("Both ends are on this host: fix ") == true, "\(remedies)")
        #expect(remedies.first?.contains("toward lab-srv-sink (pid \(server)) on :8080") == true)
    }

    @Test func aLocalClientOfALeakingLocalServerIsNamedOnTheServersSide() throws {
        // http-client-leak: the server closes first (FIN_WAIT2 on its port), the client leaks.
        let scenario = try LabScenario.named("http-client-leak")
        let lab = try LabRun.start(scenario, options: LabOptions(connections: 30), executable: tcpdoctorExecutable())
        defer { lab.stop() }
        let client = try #require(lab.pids(of: .client).first)
        let arguments = ["doctor", "--json", "--threshold", "fin-wait2.warning=10", "--rule", "fin-wait2"]
        let mine = { (finding: [String: Any]) -> Bool in
            (finding["evidence"] as? [String: Any])?["local_port"] as? Int == Int(lab.serverPort)
        }
        let finWait2 = try #require(try Self.poll(arguments) { $0.contains(where: mine) }.first(where: mine))
        let remedies = finWait2["remedies"] as? [String] ?? []
        #expect(remedies.first?.hasPrefix("Fix pid \(client) (") == true, "\(remedies)")
        #expect(finWait2["related"] as? [String] == [], "the close-wait-leak rule did not run")
        let both = try runTCPDoctor(arguments + ["--rule", "close-wait-leak"]).json()
        let linked = try #require((both["findings"] as? [[String: Any]])?.first(where: mine))
        #expect(linked["related"] as? [String] == ["close-wait-leak/\(client)/127.0.0.1"])
    }
}
