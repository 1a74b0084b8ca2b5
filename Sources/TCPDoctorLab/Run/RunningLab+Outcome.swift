extension RunningLab {
    /// Sentences that say what the run did, with its numbers, for the summary.
    public var outcome: [String] {
        let n = connections
        let variant = fixed ? "fixed" : "broken"
        var lines: [String] = []
        switch scenario.kind {
        case .closeWaitNoRead, .closeWaitEOF, .closeWaitData:
            lines.append("\(n) clients connected and closed; the \(variant) server accepted all \(n).")
        case .forkShared:
            lines.append(
                "\(n) clients connected and sent a request, each answered by a handler child; "
                    + "\(n / 2) clients then closed and \(n - n / 2) stay connected."
            )
        case .httpClientLeak:
            lines.append(
                "The \(variant) client made \(n) requests, one connection each; the server closed each idle "
                    + "connection once every response had been read."
            )
        case .serverClosesFirst:
            lines.append(
                "The client made \(n) requests, one connection each; the \(fixed ? "client" : "server") closed first."
            )
        case .portExhaustion:
            let first = LabWire.namespaceRangeStart
            lines.append(
                "ip_local_port_range in \(netns ?? "the namespace") is \(first) \(first + n - 1) (\(n) ports); tcp_tw_reuse is 0."
            )
            if fixed {
                lines.append("The client sent \(counts["requests"] ?? 0) requests over 1 kept-alive connection.")
            } else if counts["eaddrnotavail"] == 1 {
                lines.append(
                    "connect() failed with EADDRNOTAVAIL after \(counts["connections"] ?? 0) connections: every port is in TIME_WAIT."
                )
            } else {
                lines.append("connect() never failed: \(counts["connections"] ?? 0) connections were made.")
            }
        case .emfile:
            if fixed {
                lines.append(
                    "The server (RLIMIT_NOFILE soft limit \(n)) served and closed \(counts["accepted"] ?? 0) connections."
                )
            } else {
                lines.append(
                    "accept() failed with EMFILE (Too many open files) after \(counts["accepted"] ?? 0) leaked sockets "
                        + "under an RLIMIT_NOFILE soft limit of \(n); the server keeps holding them."
                )
            }
            let queued = n + LabRun.emfileExtraConnections - (counts["accepted"] ?? 0)
            if !fixed && queued > 0 {
                lines.append(
                    "\(queued) more connections wait in the listener's accept queue (its Recv-Q), never accepted."
                )
            }
        case .resetHeld:
            lines.append(
                "\(n) clients connected and reset (SO_LINGER 0); the server saw ECONNRESET \(counts["resets"] ?? 0) times."
            )
        case .unansweredSYN:
            lines.append(
                fixed
                    ? "The client made \(n) attempts to reach 10.77.0.2, each given up and closed after "
                        + "\(LabWire.connectTimeoutMilliseconds) ms."
                    : "The client started \(n) connections to 10.77.0.2 and waits on them with no timeout; "
                        + "nothing answers their SYNs."
            )
        case .acceptStall:
            let connected = counts["connected"] ?? 0
            if fixed {
                lines.append("\(n) clients connected; the server accepted all \(n) and keeps them open.")
            } else {
                lines.append(
                    "The server (backlog \(LabWire.stallBacklog)) never called accept(): \(connected) handshakes "
                        + "completed into its accept queue, and the SYNs of the other \(n - connected) clients are "
                        + "dropped and retried (SYN_SENT)."
                )
            }
        }
        for expectation in expectations where expectation.count > 0 || !fixed {
            lines.append("Expect " + expectation.description + ".")
        }
        return lines
    }
}
