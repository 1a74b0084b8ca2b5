import Glibc
import TCPDoctorCore
import TCPDoctorLab
import Testing

/// Every scenario, broken and fixed, started through the library and checked against the
/// kernel's own view: states, Recv-Q, owners (pid and command name), and a clean stop.
@Suite(.serialized)
struct LabRunTests {
    /// Small sizes keep the suite quick; each still makes a pile the doctor can see.
    static func options(for scenario: LabScenario, fixed: Bool) -> LabOptions {
        let connections: Int =
            switch scenario.id {
            case "emfile": 64
            case "port-exhaustion": 64
            case "fork-shared": 6
            case "accept-stall": 16
            default: 8
            }
        return LabOptions(connections: connections, fixed: fixed, reportTimeout: .seconds(30))
    }

    static let loopbackScenarios = LabScenario.all.filter { !$0.needsNamespace }
    static let namespaceScenarios = LabScenario.all.filter(\.needsNamespace)

    @Test("broken and fixed variants leave exactly the expected sockets", arguments: loopbackScenarios, [false, true])
    func loopbackScenario(_ scenario: LabScenario, fixed: Bool) throws {
        try runAndCheck(scenario, fixed: fixed)
    }

    @Test(
        "in a namespace of its own",
        .enabled(if: isRoot, "needs root to make a network namespace"),
        arguments: namespaceScenarios,
        [false, true]
    )
    func namespaceScenario(_ scenario: LabScenario, fixed: Bool) throws {
        try runAndCheck(scenario, fixed: fixed)
    }

    private func runAndCheck(_ scenario: LabScenario, fixed: Bool) throws {
        let lab = try LabRun.start(
            scenario,
            options: Self.options(for: scenario, fixed: fixed),
            executable: tcpdoctorExecutable()
        )
        let pids = lab.processes.map(\.pid)
        let netns = lab.netns
        defer {
            lab.stop()
            #expect(pids.allSatisfy { !processExists($0) }, "stop() reaps every process")
            if let netns { #expect(!namespaceExists(netns), "stop() deletes \(netns)") }
        }
        #expect(lab.serverPort != 0)
        #expect(Set(lab.processes.map(\.role)) == Set(scenario.roles), "one or more process per role")

        // Every process carries its role's command name, as tcpdoctor will show it.
        for process in lab.processes {
            #expect(process.command == scenario.command(of: process.role))
            #expect(commandName(of: process.pid) == process.command, "comm of \(process.role) pid \(process.pid)")
        }

        let (view, unmet) = try KernelView.awaitExpectations(of: lab)
        #expect(unmet.isEmpty, "\(scenario.id)\(fixed ? " --fixed" : ""): \(unmet.joined(separator: "; "))")
        for process in lab.processes where view.snapshot.processes[process.pid] != nil {
            #expect(view.snapshot.processes[process.pid]?.command == process.command)
        }

        // The pile itself, counted independently of the expectations: sockets in the scenario's
        // state on the culprit's side that the culprit holds (TIME_WAIT: that no one holds), or
        // the culprit's dead socket fds. Present when broken, absent when fixed.
        let culprits = Set(lab.pids(of: scenario.culprit))
        let pileCount: Int
        if let state = scenario.expectedState {
            let side: LabExpectation.Side = scenario.culprit == .client ? .client : .server
            pileCount =
                view.sockets(on: side).filter { socket in
                    guard socket.state == state else { return false }
                    let owners = view.snapshot.owners(of: socket).map(\.pid)
                    // accept-stall: the pile is the connections in the accept queue, not yet anyone's.
                    if state == .timeWait || scenario.expectedRule == "listen-backlog" { return owners.isEmpty }
                    // fork-shared: the pile is the sockets the server shares with a handler.
                    if scenario.expectedRule == "shared-socket" {
                        return Set(owners.compactMap(view.role(of:))) == [.server, .handler]
                    }
                    return owners.contains { culprits.contains($0) }
                }.count
        } else {
            pileCount = view.snapshot.deadSocketFDs.filter { culprits.contains($0.owner.pid) }.count
        }
        let brokenPile = scenario.expectations(connections: lab.connections, fixed: false, counts: lab.counts)[0].count
        if fixed {
            #expect(pileCount == 0, "the fixed variant leaves no \(scenario.expectedState?.netstatName ?? "dead fds")")
        } else {
            #expect(pileCount == brokenPile && brokenPile > 0, "the broken variant leaves its pile")
        }
        #expect(!lab.stopped)
    }
}
