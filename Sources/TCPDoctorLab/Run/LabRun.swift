import Glibc
import TCPDoctorSystem

/// Starts lab scenarios: spawns their roles in order and waits until the failure is in place.
public enum LabRun {
    /// How many connections beyond the fd limit the `emfile` clients open, so that accept()
    /// certainly meets EMFILE whatever the server had open before.
    static let emfileExtraConnections = 16

    /// Starts `scenario` and returns once every role reports that it is settled: the sockets the
    /// scenario promises (`RunningLab.expectations`) are then in place, or about to be (a FIN or
    /// an RST in flight on loopback).
    ///
    /// Each role is `executable lab _role ...`, started with posix_spawn (never fork: this
    /// process is multithreaded). The roles die with the thread that started them
    /// (PR_SET_PDEATHSIG), so call this from a thread that lives as long as the lab — the main
    /// thread of a command, or the thread of a synchronous test.
    ///
    /// - Parameters:
    ///   - scenario: what to reproduce.
    ///   - options: size, fixed or not, and how long to wait for a role before giving up.
    ///   - executable: a `tcpdoctor` executable; nil for the running one (`/proc/self/exe`).
    /// - Throws: `LabError`: bad options, not root for a namespace, or a role that failed; every
    ///   process and namespace started so far has been stopped by then.
    public static func start(
        _ scenario: LabScenario,
        options: LabOptions = LabOptions(),
        executable: String? = nil
    ) throws(LabError) -> RunningLab {
        let connections = try options.resolvedConnections(for: scenario)
        try options.checkRate(for: scenario)
        let program: String
        if let executable { program = executable } else { program = try LabExecutable.current() }
        guard LabSystem.isExecutable(program) else {
            throw LabError(.spawn, "\(program) is not an executable tcpdoctor")
        }
        var namespace: LabNamespace?
        if scenario.needsNamespace {
            guard geteuid() == 0 else {
                throw LabError(.needsRoot, "\(scenario.id) runs in a network namespace of its own and needs root")
            }
            namespace = try LabNamespace.create()
        }
        let lab = RunningLab(scenario: scenario, fixed: options.fixed, connections: connections, namespace: namespace)
        do {
            try setUp(
                lab,
                executable: program,
                rate: options.rate,
                timeout: options.reportTimeout,
                settleTimeout: options.settleTimeout(connections: connections)
            )
        } catch {
            lab.stop()
            throw error
        }
        return lab
    }

    private static func setUp(
        _ lab: RunningLab,
        executable: String,
        rate: Double?,
        timeout: Duration,
        settleTimeout: Duration
    ) throws(LabError) {
        func spec(_ role: LabScenario.Role, port: UInt16) -> LabRoleSpec {
            LabRoleSpec(
                scenario: lab.scenario,
                role: role,
                fixed: lab.fixed,
                port: port,
                count: lab.connections,
                parent: systemOwnPID(),
                netns: lab.netns,
                rate: role == .client ? rate : nil
            )
        }
        let serverPort = lab.netns == nil ? 0 : LabWire.namespaceServerPort
        let server = try LabChild.spawn(executable: executable, spec: spec(.server, port: serverPort))
        lab.adopt(server)
        let ready = try LabReportWaiter.wait(for: "ready", from: [server], timeout: timeout)[0]
        guard let port = ready.integer("port").flatMap(UInt16.init(exactly:)), port != 0 else {
            throw LabError(.roleFailed, "the server reported no port: '\(ready.text)'")
        }
        lab.serverPort = port

        let client = try LabChild.spawn(executable: executable, spec: spec(.client, port: port))
        lab.adopt(client)
        if lab.scenario.kind == .httpClientLeak {
            // The server closes its idle connections only once the client has read every response.
            _ = try LabReportWaiter.wait(for: "fetched", from: [client], timeout: timeout)
            try server.sendGo()
        }
        let settled = try LabReportWaiter.wait(for: "settled", from: [server, client], timeout: settleTimeout)
        var counts: [String: Int] = [:]
        for report in settled {
            for key in report.fields.keys { if let value = report.integer(key) { counts[key] = value } }
        }
        lab.counts = counts
        let handlers = settled[0].fields["handlers"]?.split(separator: ",").compactMap { Int32($0) } ?? []
        for pid in handlers {
            lab.processes.append(LabProcess(role: .handler, pid: pid, command: lab.scenario.command(of: .handler)))
        }
    }
}
