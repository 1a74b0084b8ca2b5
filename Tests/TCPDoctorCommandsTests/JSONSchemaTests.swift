import Foundation
import Glibc
import TCPDoctorCapture
import TCPDoctorTestSupport
import Testing

/// Every command's real `--json` output against its schema in docs/schema: on live sockets, a
/// running lab, a namespace of the test's own, capture files, and every error path.
///
/// The schemas fix each key's type (`additionalProperties: false` where a document's keys are
/// fixed), so a key that drifts (a label where an inode was, a string where an object was) fails
/// here rather than in a consumer's parser.
@Suite(.enabled(if: SchemaCheck.isAvailable, "needs python3 with jsonschema (.ci/run installs python3-jsonschema)"))
struct JSONSchemaTests {
    @Test func liveDocumentsMatchTheirSchemas() throws {
        // A pile of CLOSE_WAIT for the doctor to find, held by real processes.
        let lab = try BackgroundTCPDoctor([
            "lab", "run", "close-wait-noread", "--connections", "30", "--hold", "120", "--json",
        ])
        let labDocument = try lab.firstLine(within: 30)
        let connection = try LoopbackConnection.open()
        connection.clientClosesFirst()
        // A second namespace with a listener, so that documents show more than one.
        let namespace = TestNamespace.isAvailable ? try TestNamespace() : nil
        let listener = try namespace?.spawn([
            ChildProcess.pythonPath, "-c",
            "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print('ready', flush=True); time.sleep(120)",
        ])
        if let listener { #expect(try listener.readLine(timeout: 10) == "ready") }

        let check = try SchemaCheck()
        try check.add(labDocument, schema: "lab-run", label: "close-wait-noread")
        let commands: [(schema: String, arguments: [String])] = [
            ("sockets", ["sockets", "--json"]),
            ("sockets", ["sockets", "--json", "--info"]),
            ("sockets", ["sockets", "--json", "--no-owners", "state", "close-wait"]),
            ("sockets", ["sockets", "--json", "--pid", "\(lab.pid)"]),
            ("states", ["states", "--json"]),
            ("states", ["states", "--json", "--by", "process"]),
            ("states", ["states", "--json", "--by", "local-port"]),
            ("states", ["states", "--json", "--by", "remote"]),
            ("states", ["states", "--json", "--by", "netns"]),
            ("doctor", ["doctor", "--json"]),
            ("doctor", ["doctor", "--json", "--fail-on", "info"]),
            ("doctor", ["--json"]),
            ("config", ["doctor", "--config", "--json"]),
            ("explain", ["explain", "--json"]),
            ("explain", ["explain", "close-wait", "--json"]),
            ("lab-list", ["lab", "list", "--json"]),
        ]
        var runs: [String: TCPDoctorRun] = [:]
        for command in commands {
            let run = try runTCPDoctor(command.arguments)
            #expect([0, 1].contains(run.status), "\(command.arguments): \(run.stderr)")
            try check.add(run, schema: command.schema, label: command.arguments.joined(separator: " "))
            runs[command.arguments.joined(separator: " ")] = run
        }
        // `watch --json` prints one document per line, each checked on its own.
        for (count, arguments) in [
            (2, ["--by", "process"]), (1, ["--by", "netns"]), (1, ["--by", "local-port", "state", "close-wait"]),
        ] {
            let run = try runTCPDoctor(["watch", "--json", "--interval", "0.2", "--count", "\(count)"] + arguments)
            #expect(run.status == 0, "watch \(arguments): \(run.stderr)")
            let lines = run.stdout.split(separator: "\n")
            #expect(lines.count == count, "watch \(arguments): \(run.stdout)")
            for line in lines { try check.add(String(line), schema: "watch", label: arguments.joined(separator: " ")) }
        }
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")

        // The same namespace is the same number everywhere: the lab's finding, its sockets, states.
        let labRun = try #require(try JSONSerialization.jsonObject(with: Data(labDocument.utf8)) as? [String: Any])
        let culprits = try #require((labRun["culprit"] as? [String: Any])?["pids"] as? [Int32])
        let sockets = try #require(runs["sockets --json"]).json()["sockets"] as? [[String: Any]] ?? []
        let held = try #require(
            sockets.first { socket in
                (socket["owners"] as? [[String: Any]] ?? []).contains { culprits.contains($0["pid"] as? Int32 ?? -1) }
            }
        )
        let labNetns = try #require(held["netns"] as? UInt64)
        let owner = try #require((held["owners"] as? [[String: Any]])?.first)
        #expect(owner["command"] as? String == "lab-srv-noread")
        let findings = try #require(runs["doctor --json"]).json()["findings"] as? [[String: Any]] ?? []
        let leak = try #require(
            findings.first { finding in
                finding["rule"] as? String == "close-wait-leak"
                    && (finding["processes"] as? [[String: Any]] ?? []).contains {
                        culprits.contains($0["pid"] as? Int32 ?? -1)
                    }
            }
        )
        #expect(leak["netns"] as? UInt64 == labNetns)
        #expect(leak["netns_label"] as? String == "host")
        let states = try #require(runs["states --json --by netns"]).json()
        #expect(states["taken_at"] is Double)
        #expect(states["source"] as? String == "netlink")
        let groups = states["groups"] as? [[String: Any]] ?? []
        #expect(groups.contains { $0["netns"] as? UInt64 == labNetns && $0["netns_label"] as? String == "host" })
        if let namespace {
            #expect(groups.contains { $0["netns_label"] as? String == namespace.name && $0["netns"] is UInt64 })
        }
        lab.send(SIGINT)
        #expect(try lab.ending(within: 20) == .exited(130))
        withExtendedLifetime((connection, listener)) {}
    }

    @Test(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2 for the lab's namespace"))
    func labInItsOwnNamespaceGivesTheInode() throws {
        let lab = try BackgroundTCPDoctor([
            "lab", "run", "port-exhaustion", "--connections", "20", "--hold", "60", "--json",
        ])
        let line = try lab.firstLine(within: 30)
        let check = try SchemaCheck()
        try check.add(line, schema: "lab-run", label: "port-exhaustion")
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let label = try #require(document["netns_label"] as? String)
        var status = stat()
        #expect(stat("/var/run/netns/\(label)", &status) == 0)
        #expect(document["netns"] as? UInt64 == UInt64(status.st_ino))
        lab.send(SIGINT)
        #expect(try lab.ending(within: 20) == .exited(130))
    }

    @Test func captureDocumentsMatchTheirSchema() throws {
        let directory = try ScratchDirectory()
        // Every close scenario in one capture: every shape a connection object can take.
        let mixed = directory.file("mixed.pcap")
        var segments: [TCPSegment] = []
        for (number, scenario) in CloseScenario.all.enumerated() {
            segments += scenario.segments(number: UInt16(number))
        }
        try ScenarioCapture.write(segments, to: mixed)
        let notACapture = directory.file("text.pcap")
        try "not a capture\n".write(toFile: notACapture, atomically: false, encoding: .utf8)
        let fixtures = Self.fixtures.map { Self.fixtureDirectory + "/" + $0 }

        let check = try SchemaCheck()
        let runs: [[String]] = [
            ["capture", "--json", mixed],
            ["capture", "--json", "--connections", mixed],
            ["capture", "--json", "--ended", "late_fin_reset,reset", mixed],
            ["capture", "--json", "--min-close-wait", "5", mixed],
            ["capture", "--json"] + fixtures,
            ["capture", "--json", notACapture],
            ["capture", "--json", mixed, notACapture],
        ]
        for arguments in runs {
            let run = try runTCPDoctor(arguments)
            #expect([0, 2].contains(run.status), "\(arguments): \(run.stderr)")
            try check.add(run, schema: "capture", label: arguments.dropFirst(2).joined(separator: " "))
        }
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")
    }

    /// Every failure with `--json` prints exactly one document, the error document, with the
    /// exit status it ends with; the message goes to standard error.
    @Test(arguments: [
        (["sockets", "--json", "state", "bogus"], "unknown state 'bogus'"),
        (["states", "--json", "--by", "color"], "color"),
        (["sockets", "--json", "--netns", "tcpdoctor-no-such-netns"], "no network namespace named"),
        (["states", "--json", "--netns", "tcpdoctor-no-such-netns"], "no network namespace named"),
        (["doctor", "--json", "--netns", "tcpdoctor-no-such-netns"], "no network namespace named"),
        (["--json", "--netns", "tcpdoctor-no-such-netns"], "no network namespace named"),
        (["doctor", "--json", "--threshold", "nope=1"], "unknown threshold 'nope'"),
        (["--json", "--fail-on", "sometimes"], "sometimes"),
        (["socket", "--json"], "did you mean `sockets`?"),
        (["explain", "--json", "closed-wait"], "unknown state 'closed-wait'"),
        (["lab", "run", "--json", "no-such-scenario"], "no lab scenario is called"),
        (["lab", "run", "--json", "close-wait-noread", "--hold", "0"], "--hold must be at least 1"),
        (["capture", "--json"], "give at least one capture file"),
        (["capture", "--json", "--ladder", "1", "a.pcap"], "use --json without it"),
        (["capture", "--json", "--filter", "dport =", "a.pcap"], "invalid --filter"),
        (["watch", "--json", "state", "bogus"], "unknown state 'bogus'"),
        (["watch", "--json", "--interval", "0"], "--interval must be"),
        (["watch", "--json", "--count", "0"], "--count must be at least 1"),
        (["watch", "--json", "--netns", "tcpdoctor-no-such-netns"], "no network namespace named"),
    ])
    func failuresPrintOneErrorDocument(arguments: [String], message: String) throws {
        let run = try runTCPDoctor(arguments)
        #expect(run.status != 0)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        let check = try SchemaCheck()
        try check.add(run, schema: "error", label: arguments.joined(separator: " "))
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(arguments): \(problems)")
        let error = try #require(try run.json()["error"] as? [String: Any])
        #expect(error["exit_status"] as? Int32 == run.status)
        #expect((error["message"] as? String)?.contains(message) == true)
    }

    /// A namespace that could not be read is named by its inode too (`namespaces_unread`), here
    /// one that `nobody` may not enter.
    @Test(
        .enabled(
            if: UnprivilegedTests.canDropPrivileges && TestNamespace.isAvailable,
            "needs root to make a namespace and to drop to nobody"
        )
    )
    func unreadNamespaceIsNamedByItsInode() throws {
        let namespace = try TestNamespace()
        var status = stat()
        try #require(stat(namespace.path, &status) == 0)
        let run = try UnprivilegedTests.runAsNobody(["sockets", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let check = try SchemaCheck()
        try check.add(run, schema: "sockets", label: "nobody")
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")
        let unread = try #require(try run.json()["unattributed"] as? [String: Any])["namespaces_unread"]
        let entry = try #require(
            (unread as? [[String: Any]])?.first { $0["netns_label"] as? String == namespace.name },
            "\(String(describing: unread))"
        )
        #expect(entry["netns"] as? UInt64 == UInt64(status.st_ino))
    }

    /// `capture -` on a terminal (util-linux's script gives it one) fails with an error document.
    @Test(.enabled(if: access("/usr/bin/script", X_OK) == 0, "needs script(1) for a terminal"))
    func terminalOnStandardInputGivesAnErrorDocument() throws {
        let run = try runProgram(
            "/usr/bin/script",
            ["-qec", "'\(tcpdoctorExecutable())' capture --json - 2>/dev/null", "/dev/null"]
        )
        #expect(run.status == 2)
        // The terminal turns each newline into CR LF.
        let document = run.stdout.replacingOccurrences(of: "\r\n", with: "\n")
        let check = try SchemaCheck()
        try check.add(document, schema: "error", label: "capture-terminal")
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")
        #expect(document.contains("standard input is a terminal"))
    }

    /// `history --json` on a database of a growing, a steady and a draining pile, one after a
    /// clock jump, a filter that matches nothing, and a missing database (an error document).
    @Test func historyDocumentsMatchTheirSchema() throws {
        let shapes = try HistoryTestDatabase()
        try shapes.write(HistoryTestDatabase.shapes, samples: 120)
        let jumped = try HistoryTestDatabase()
        try jumped.write(HistoryTestDatabase.shapes, samples: 60) { index in
            HistoryTestDatabase.start + (index < 30 ? Double(index) : Double(index) - 400) * 10
        }
        let check = try SchemaCheck()
        let range = HistoryCommandTests.range
        for (schema, arguments) in [
            ("history", ["history", "--db", shapes.path, "--json"] + range),
            ("history", ["history", "--db", shapes.path, "--json", "--window", "5m"] + range),
            ("history", ["history", "--db", jumped.path, "--json"] + range),
            ("history", ["history", "--db", shapes.path, "--json", "--pid", "1"] + range),
            ("error", ["history", "--db", shapes.directory.file("missing.sqlite"), "--json"]),
        ] {
            let run = try runTCPDoctor(arguments)
            #expect(run.status == (schema == "error" ? 6 : 0), "\(arguments): \(run.stderr)")
            try check.add(run, schema: schema, label: arguments.dropFirst(3).joined(separator: " "))
        }
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")
    }

    static let fixtureDirectory = SchemaCheck.repository + "/Tests/TCPDoctorCaptureTests/Fixtures"
    static let fixtures = ["lo-ipv4-client-close.pcap", "any-ipv6-server-close.pcap", "lo-ipv4-reset.pcapng"]
}
