extension TimeWaitRule {
    /// The server on this host that a client's TIME_WAIT sockets point at: its listener and processes.
    ///
    /// TIME_WAIT has no owner and its other end is gone (the server's socket closed after the
    /// FIN exchange), so the server is found by the destination: a listener on its port, bound to
    /// its address or to any, in the namespace where the address is local (`LocalPeerIndex`).
    struct LocalServer {
        var netns: UInt64
        var port: UInt16
        var processes: [Finding.Process]

        init?(
            _ destination: Endpoint,
            from netns: UInt64,
            peers: LocalPeerIndex,
            listeners: ListenerIndex,
            input: DiagnosisInput
        ) {
            guard let home = peers.namespace(of: destination.address, from: netns) else { return nil }
            let serving = listeners.listeners(netns: home, port: destination.port).filter {
                $0.local.address.isUnspecified || $0.local.address == destination.address
            }
            guard !serving.isEmpty else { return nil }
            var pids: Set<Int32> = []
            for listener in serving { for owner in input.snapshot.owners(of: listener) { pids.insert(owner.pid) } }
            self.netns = home
            self.port = destination.port
            self.processes = input.findingProcesses(pids)
        }

        /// Names the server in `finding`: evidence, the summary, a remedy that says which side to
        /// fix, and the link to the finding about TIME_WAIT on the server's port.
        func name(in finding: inout Finding, input: DiagnosisInput) {
            let server = processes.isEmpty ? "a listener whose holder was not seen" : describe(processes)
            finding.evidence.append(
                EvidenceField("local_server", .list(processes.map { .text(describe($0)) }))
            )
            finding.summary += " (the server is \(server) on this host)"
            // The server's ends of these connections are closed; a server that also closes first
            // has TIME_WAIT of its own on the port, the same churn seen from the other side.
            let related = [TimeWaitRule.serverID(port: port, netns: netns, input: input)]
            finding.related = related
            let clients = finding.processes.isEmpty ? "the client" : describe(finding.processes)
            finding.remedies.insert(
                "Both ends are on this host: fix \(clients), which opens and closes a connection per request toward \(server) on :\(port)"
                    + related.map(FindingLinks.seeAlso).joined()
                    + "; reusing connections (below) ends the churn on both.",
                at: 0
            )
        }
    }
}
