import TCPDoctorCore
import Testing

@testable import TCPDoctorLab

/// The catalog as data: what the doctor-oracle tests and `lab list` rely on.
struct LabScenarioTests {
    static let ruleIDs: Set<String> = [
        "close-wait-leak", "shared-socket", "time-wait", "fd-exhaustion", "dead-socket-fds", "listen-backlog",
        "syn-sent",
    ]

    @Test func catalogHasEveryClassicFailureOnce() {
        let ids = LabScenario.all.map(\.id)
        #expect(ids.count == Set(ids).count)
        #expect(
            Set(ids) == [
                "close-wait-noread", "close-wait-eof", "close-wait-data", "fork-shared", "http-client-leak",
                "server-closes-first", "port-exhaustion", "emfile", "reset-held", "accept-stall",
                "unanswered-syn",
            ]
        )
        #expect(Set(LabScenario.all.map(\.expectedRule)) == Self.ruleIDs, "every rule has a scenario")
    }

    @Test(arguments: LabScenario.all)
    func scenarioIsConsistent(_ scenario: LabScenario) throws {
        #expect(Self.ruleIDs.contains(scenario.expectedRule))
        #expect(scenario.roles.contains(.server) && scenario.roles.contains(.client))
        #expect(scenario.roles.contains(scenario.culprit))
        for role in scenario.roles {
            let command = scenario.command(of: role)
            #expect(command.utf8.count <= 15, "\(command) fits in /proc/PID/comm")
            #expect(command.hasPrefix("lab-"))
        }
        #expect(scenario.allowedConnections.contains(scenario.defaultConnections))
        #expect(try LabScenario.named(scenario.id) == scenario)

        let n = scenario.defaultConnections
        let counts = ["accepted": n - 7, "connections": n]
        let broken = scenario.expectations(connections: n, fixed: false, counts: counts)
        let fixed = scenario.expectations(connections: n, fixed: true, counts: counts)
        #expect(broken[0].count > 0, "the broken variant has a pile")
        #expect(fixed[0].count == 0, "the fixed variant has none of it")
        #expect(broken[0].state == scenario.expectedState)
    }

    @Test func commandNamesAreDistinctAcrossScenarios() {
        let names = LabScenario.all.flatMap { scenario in scenario.roles.map { scenario.command(of: $0) } }
        #expect(names.count == Set(names).count, "a command name identifies its scenario and role")
    }

    @Test func unknownScenarioNamesTheKnownOnes() {
        #expect {
            try LabScenario.named("close-wait")
        } throws: { error in
            let error = error as? LabError
            return error?.code == .unknownScenario && error?.message.contains("close-wait-noread") == true
        }
    }

    @Test(arguments: [
        ("emfile", 31), ("emfile", 10_001), ("fork-shared", 1), ("fork-shared", 201), ("close-wait-eof", 0),
        ("port-exhaustion", 15),
    ])
    func connectionsOutOfRangeAreRejected(_ id: String, _ connections: Int) throws {
        let scenario = try LabScenario.named(id)
        #expect(throws: LabError.self) { try LabOptions(connections: connections).resolvedConnections(for: scenario) }
    }

    @Test func defaultConnectionsApply() throws {
        let scenario = try LabScenario.named("emfile")
        #expect(try LabOptions().resolvedConnections(for: scenario) == 256)
        #expect(try LabOptions(connections: 40).resolvedConnections(for: scenario) == 40)
    }

    @Test func roleArgumentsRoundTrip() throws {
        let spec = LabRoleSpec(
            scenario: try LabScenario.named("fork-shared"),
            role: .handler,
            fixed: true,
            port: 40123,
            count: 6,
            parent: 4242,
            netns: "tcpd-lab-1-ab",
            inheritedFD: 3
        )
        #expect(try LabRoleSpec(arguments: spec.arguments) == spec)
    }

    @Test(arguments: [
        ([], "needs SCENARIO ROLE"),
        (["nope", "server"], "no lab scenario is called 'nope'"),
        (["emfile", "janitor"], "unknown role 'janitor'"),
        (["emfile", "handler"], "emfile has no handler role"),
        (["emfile", "server", "count"], "'count' is not key=value"),
        (["emfile", "server", "port=99999"], "port=99999 is not a number"),
    ])
    func badRoleArgumentsAreNamed(_ words: [String], _ message: String) {
        #expect {
            try LabRoleSpec(arguments: words)
        } throws: { error in
            (error as? LabError)?.description.contains(message) == true
        }
    }

    @Test func reportLinesParse() {
        let report = LabReport(line: "settled accepted=249 emfile=1 handlers=1,2")
        #expect(report.keyword == "settled")
        #expect(report.integer("accepted") == 249)
        #expect(report.fields["handlers"] == "1,2")
        #expect(report.integer("handlers") == nil)
        let failure = LabReport(line: "error lab-srv-eof: bind failed")
        #expect(failure.keyword == "error" && failure.text == "lab-srv-eof: bind failed")
        #expect(LabReport(line: "").keyword.isEmpty)
    }

    @Test func inspectCommandsNameThePortAndNamespace() throws {
        let commands = try LabScenario.named("port-exhaustion").inspectCommands(port: 8080, netns: "tcpd-lab-1-ab")
        #expect(commands.first == "tcpdoctor doctor")
        #expect(commands.contains("tcpdoctor sockets --netns tcpd-lab-1-ab state time-wait dport = :8080"))
        let closeWait = try LabScenario.named("close-wait-noread").inspectCommands(port: 41000, netns: nil)
        #expect(closeWait.contains("tcpdoctor sockets state close-wait sport = :41000"))
    }
}
