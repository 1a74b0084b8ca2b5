import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// `tcpdoctor kill` on real lab processes: what it destroys, what it leaves, what it refuses.
///
/// Each test counts only its own sockets (the lab's port, its own connections), never the host's.
@Suite(.serialized, .enabled(if: isRoot, "SOCK_DESTROY needs CAP_NET_ADMIN; the fd walk needs root"))
struct KillCommandTests {
    @Test func killYesRemovesExactlyTheLabsCloseWaitSocketsAndTheirFDsBecomeDeadSocketFDs() throws {
        let lab = try KillLab()
        // A bystander on another port, in the same state: the filter must leave it alone.
        let bystander = try LoopbackConnection.open()
        try bystander.clientClosesFirstAndAwaitCloseWait()
        let before = try lab.sockets()
        let targets = try lab.closeWait()
        #expect(targets.count == lab.connections)

        let run = try runTCPDoctor(["kill", "--yes", "--json"] + lab.closeWaitFilter)
        #expect(run.status == 0, "\(run.stderr)")
        try expectKillSchema(run, "kill --yes")
        let document = try run.json()
        #expect(document["dry_run"] as? Bool == false)
        #expect(totals(document)["destroyed"] == lab.connections)
        #expect(totals(document)["matched"] == lab.connections)
        let results = killResults(document)
        #expect(Set(results.compactMap { $0["cookie"] as? UInt64 }) == Set(targets.keys))
        #expect(results.allSatisfy { $0["outcome"] as? String == "destroyed" })
        let fds = results.flatMap { ($0["owners"] as? [[String: Any]] ?? []) }
        #expect(fds.allSatisfy { $0["pid"] as? Int32 == lab.serverPID })
        #expect(document["open_fds_left"] as? Int == lab.connections)

        // The dump after: the targets are gone; every other socket of the lab is still there,
        // except the clients' FIN_WAIT2 ends, which the destroyed sockets' RSTs may have ended.
        let after = try lab.sockets()
        #expect(Set(after.keys).isDisjoint(with: targets.keys))
        let peers = Set(targets.values.map { ($0["remote"] as? [String: Any])?["port"] as? Int ?? -1 })
        for (cookie, socket) in before where targets[cookie] == nil {
            let local = (socket["local"] as? [String: Any])?["port"] as? Int ?? -1
            if peers.contains(local) { continue }
            #expect(after[cookie] != nil, "the kill took \(socket)")
        }
        #expect(after.values.contains { $0["state"] as? String == "LISTEN" })
        #expect(bystander.server.tcpState == KernelTCPState.closeWait)

        // The lab still holds the fds: the doctor reports each as a dead-socket fd (its evidence
        // counts them all and lists the first ten).
        let expectedFDs = fds.compactMap { $0["fd"] as? Int }.sorted()
        var evidence: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while evidence["count"] as? Int != lab.connections && ContinuousClock.now < deadline {
            let doctor = try runTCPDoctor([
                "doctor", "--json", "--pid", "\(lab.serverPID)", "--rule", "dead-socket-fds",
                "--threshold", "dead-socket-fds.min-idle-seconds=0",
            ])
            let findings = try doctor.json()["findings"] as? [[String: Any]] ?? []
            evidence =
                findings.first { $0["rule"] as? String == "dead-socket-fds" }?["evidence"] as? [String: Any] ?? [:]
            if evidence["count"] as? Int != lab.connections { usleep(100_000) }
        }
        #expect(evidence["count"] as? Int == lab.connections, "the doctor's dead-socket fds: \(evidence)")
        #expect(evidence["distinct_sockets"] as? Int == lab.connections)
        #expect(evidence["fds"] as? [Int] == Array(expectedFDs.prefix(10)))
        try lab.stop()
    }

    @Test func aDryRunSaysWhatItWouldDestroyAndChangesNothing() throws {
        let lab = try KillLab(connections: 10)
        let before = try lab.sockets()
        let json = try runTCPDoctor(["kill", "--json"] + lab.closeWaitFilter)
        #expect(json.status == 0, "\(json.stderr)")
        try expectKillSchema(json, "kill dry run")
        let document = try json.json()
        #expect(document["dry_run"] as? Bool == true)
        #expect(totals(document)["not_attempted"] == 10 && totals(document)["destroyed"] == 0)
        #expect(document["requests"] as? Int == 0)
        let text = try runTCPDoctor(["kill"] + lab.closeWaitFilter)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Dry run: would destroy 10 TCP sockets"))
        #expect(text.stdout.contains("CLOSE_WAIT") && text.stdout.contains("lab-srv-noread pid=\(lab.serverPID)"))
        #expect(text.stdout.contains("free-fds"))
        #expect(Set(try lab.sockets().keys) == Set(before.keys))
        try lab.stop()
    }

    @Test func listenersAndAnEmptyFilterAreRefusedUnlessForced() throws {
        let lab = try KillLab(connections: 5)
        let before = try lab.sockets()
        let listening = try runTCPDoctor(["kill", "--yes", "sport", "=", ":\(lab.port)"])
        #expect(listening.status == 10)
        #expect(listening.stderr.contains("refusing to destroy 1 listening socket"), "\(listening.stderr)")
        let listeningJSON = try runTCPDoctor(["kill", "--yes", "--json", "sport", "=", ":\(lab.port)"])
        #expect(listeningJSON.status == 10)
        try expectKillSchema(listeningJSON, "kill refused")
        #expect((try listeningJSON.json()["refusal"] as? [String: Any])?["code"] as? String == "listening")
        #expect(try listeningJSON.json()["dry_run"] as? Bool == false)
        let refusedDryRun = try runTCPDoctor(["kill", "--json", "sport", "=", ":\(lab.port)"])
        #expect(refusedDryRun.status == 10)
        #expect(try refusedDryRun.json()["dry_run"] as? Bool == true)
        #expect(totals(try refusedDryRun.json())["not_attempted"] == lab.connections + 1)
        // Were the refusal ever lost, `--netns` keeps the damage inside a namespace of the test's own.
        let scratch = TestNamespace.isAvailable ? try TestNamespace() : nil
        let empty = try runTCPDoctor(["kill"] + (scratch.map { ["--yes", "--netns", $0.name] } ?? []))
        #expect(empty.status == 10)
        #expect(empty.stderr.contains("refusing to destroy every TCP socket"), "\(empty.stderr)")
        #expect(Set(try lab.sockets().keys) == Set(before.keys), "a refusal destroys nothing")
        try lab.stop()

        // --force lifts it: a listener of the test's own.
        let listener = try LoopbackSocket.listen()
        let forced = try runTCPDoctor(["kill", "--yes", "--force", "--json", "sport", "=", ":\(listener.port)"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let results = killResults(try forced.json())
        #expect(results.map { $0["state"] as? String } == ["LISTEN"])
        #expect(results.first?["outcome"] as? String == "destroyed")
        #expect(listener.tcpState == KernelTCPState.close)
        // The text says what happened to each socket, and what the owner is left with.
        let another = try LoopbackSocket.listen()
        let text = try runTCPDoctor(["kill", "--yes", "--force", "sport", "=", ":\(another.port)"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Destroyed 1 of 1 sockets. The dump afterwards shows 1 of them gone."))
        #expect(text.stdout.contains("LISTEN") && text.stdout.contains("destroyed"))
        #expect(text.stdout.contains("1 file descriptor(s) of destroyed sockets stay open in their owners."))
        #expect(text.stdout.contains("dead-socket fd") && text.stdout.contains("tcpdoctor free-fds"))
    }

    @Test(.enabled(if: UnprivilegedTests.canDropPrivileges, "needs setpriv to drop CAP_NET_ADMIN"))
    func withoutCapNetAdminEachSocketIsRefusedWithEPERM() throws {
        let connection = try LoopbackConnection.open()
        try connection.clientClosesFirstAndAwaitCloseWait()
        // Every capability to see the host, none to destroy: CAP_NET_ADMIN is dropped.
        let set = "-all,+sys_admin,+sys_ptrace,+dac_read_search"
        let run = try runProgram(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=\(set)", "--ambient-caps=\(set)",
                "--bounding-set=\(set)", tcpdoctorExecutable(), "kill", "--yes", "--json", "state", "close-wait",
                "sport", "=", ":\(connection.listener.port)",
            ]
        )
        #expect(run.status == 9, "\(run.stderr)")
        try expectKillSchema(run, "kill without CAP_NET_ADMIN")
        let results = killResults(try run.json())
        #expect(results.count == 1)
        #expect(results.first?["outcome"] as? String == "refused")
        #expect((results.first?["errno"] as? [String: Any])?["name"] as? String == "EPERM")
        #expect((results.first?["detail"] as? String)?.contains("CAP_NET_ADMIN") == true)
        #expect(connection.server.tcpState == KernelTCPState.closeWait, "the socket is still there")
    }

    @Test(.enabled(if: TestNamespace.isAvailable, "needs root and iproute2 for a namespace"))
    func aSocketInANamespaceOfItsOwnIsDestroyedThere() throws {
        let namespace = try TestNamespace()
        let holder = try namespace.spawnPython(
            """
            import socket, time
            listener = socket.socket(); listener.bind(('127.0.0.1', 0)); listener.listen()
            client = socket.create_connection(listener.getsockname()); server, _ = listener.accept()
            client.close()
            print(listener.getsockname()[1], flush=True)
            time.sleep(300)
            """
        )
        let port = try #require(Int(try holder.readLine(timeout: 10)))
        let filter = ["state", "close-wait", "sport", "=", ":\(port)"]
        // The FIN may still be on its way: wait until the kernel shows CLOSE_WAIT.
        let deadline = ContinuousClock.now + .seconds(10)
        var planned: [[String: Any]] = []
        while planned.isEmpty && ContinuousClock.now < deadline {
            planned = killResults(try runTCPDoctor(["kill", "--json"] + filter).json())
            if planned.isEmpty { usleep(50_000) }
        }
        #expect(planned.count == 1)
        let run = try runTCPDoctor(["kill", "--yes", "--json"] + filter)
        #expect(run.status == 0, "\(run.stderr)")
        try expectKillSchema(run, "kill in a namespace")
        let results = killResults(try run.json())
        #expect(results.count == 1)
        #expect(results.first?["outcome"] as? String == "destroyed")
        #expect(results.first?["netns_label"] as? String == namespace.name)
        let owners = results.first?["owners"] as? [[String: Any]] ?? []
        #expect(owners.count == 1, "the holder inside the namespace")
        let again = try runTCPDoctor(["kill", "--json"] + filter)
        #expect(killResults(try again.json()).isEmpty, "nothing left to destroy")
    }
}

/// `kill --json` that fails before its document prints the error document, as every command does.
struct KillErrorDocumentTests {
    @Test(arguments: [
        (["kill", "--json", "state", "bogus"], "unknown state 'bogus'", Int32(64)),
        (
            ["kill", "--json", "--netns", "tcpdoctor-no-such-netns", "state", "close-wait"],
            "no network namespace named", Int32(3)
        ),
    ])
    func failuresPrintOneErrorDocument(arguments: [String], message: String, status: Int32) throws {
        let run = try runTCPDoctor(arguments)
        #expect(run.status == status)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        let error = try #require(try run.json()["error"] as? [String: Any])
        #expect(error["exit_status"] as? Int32 == status)
        guard SchemaCheck.isAvailable else { return }
        let check = try SchemaCheck()
        try check.add(run, schema: "error", label: arguments.joined(separator: " "))
        let problems = try check.problems()
        #expect(problems.isEmpty, "\(problems)")
    }
}
