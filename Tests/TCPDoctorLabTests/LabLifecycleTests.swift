import Foundation
import Glibc
import TCPDoctorLab
import TCPDoctorTestSupport
import Testing

/// Starting, failing and stopping: no process or namespace outlives a lab, whatever happens.
@Suite(.serialized)
struct LabLifecycleTests {
    @Test func stopIsIdempotentAndDeinitCleansUp() throws {
        let scenario = try LabScenario.named("close-wait-noread")
        var pids: [Int32] = []
        do {
            let lab = try LabRun.start(scenario, options: LabOptions(connections: 3), executable: tcpdoctorExecutable())
            pids = lab.processes.map(\.pid)
            #expect(pids.count == 2 && pids.allSatisfy(processExists))
            // Dropped without stop(): deinit must clean up.
        }
        #expect(pids.allSatisfy { !processExists($0) }, "deinit reaped every role")

        let lab = try LabRun.start(scenario, options: LabOptions(connections: 3), executable: tcpdoctorExecutable())
        lab.stop()
        lab.stop()
        #expect(lab.stopped)
        #expect(lab.processes.allSatisfy { !processExists($0.pid) })
    }

    @Test func forkServerReapsItsHandlersOnStop() throws {
        let lab = try LabRun.start(
            try LabScenario.named("fork-shared"),
            options: LabOptions(connections: 6),
            executable: tcpdoctorExecutable()
        )
        let handlers = lab.pids(of: .handler)
        #expect(handlers.count == 3, "half the sessions stay open, each with its handler")
        for pid in handlers { #expect(commandName(of: pid) == "lab-fork-hndlr") }
        lab.stop()
        // The handlers are the server's children: it kills and reaps them before it exits.
        #expect(handlers.allSatisfy { !processExists($0) })
    }

    @Test func anExecutableThatIsNotTCPDoctorFailsCleanly() throws {
        let scenario = try LabScenario.named("close-wait-eof")
        #expect {
            try LabRun.start(
                scenario,
                options: LabOptions(connections: 2, reportTimeout: .seconds(10)),
                executable: "/bin/true"
            )
        } throws: { error in
            guard let error = error as? LabError else { return false }
            return error.code == .roleFailed && error.message.contains("exited before it was ready")
        }
        #expect {
            try LabRun.start(scenario, executable: "/nonexistent/tcpdoctor")
        } throws: { error in
            (error as? LabError)?.code == .spawn
        }
    }

    @Test func roleErrorsArriveAsLabErrors() throws {
        // A role that cannot do its work reports `error ...`; the orchestrator turns it into a
        // LabError naming the role, and stops the rest.
        let words = ["close-wait-eof", "server", "fd=x"]
        #expect {
            try LabRoleSpec(arguments: words)
        } throws: { error in
            (error as? LabError)?.code == .badRoleArguments
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tcpdoctorExecutable())
        process.arguments = ["lab", "_role"] + words
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        try process.waitUntilExit(timeout: .seconds(120))
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(printed.hasPrefix("error lab _role: fd=x is not a number"))
    }

    @Test(.enabled(if: isRoot, "needs root to make network namespaces"))
    func staleNamespacesOfDeadRunsAreDeleted() throws {
        // A run killed with SIGKILL cannot delete its namespace; the next run does. The pid of a
        // process that has exited stands for the dead run.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        try gone.waitUntilExit(timeout: .seconds(120))
        let stale = "tcpd-lab-\(gone.processIdentifier)-dead"
        let ip = Process()
        ip.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        ip.arguments = ["netns", "add", stale]
        try ip.run()
        try ip.waitUntilExit(timeout: .seconds(120))
        try #require(namespaceExists(stale))
        defer {
            let cleanup = Process()
            cleanup.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            cleanup.arguments = ["netns", "delete", stale]
            try? cleanup.run()
            try? cleanup.waitUntilExit(timeout: .seconds(120))
        }

        let lab = try LabRun.start(
            try LabScenario.named("port-exhaustion"),
            options: LabOptions(connections: 16),
            executable: tcpdoctorExecutable()
        )
        let own = try #require(lab.netns)
        #expect(!namespaceExists(stale), "the stale namespace was deleted")
        #expect(namespaceExists(own))
        lab.stop()
        #expect(!namespaceExists(own))
    }
}
