import TCPDoctorCore

extension CaptureSummary {
    /// The capture's diagnoses in the doctor's form, most severe first.
    ///
    /// Rules: `capture-close-wait` (a holder that keeps CLOSE_WAIT toward a peer, and whether its
    /// late FIN then met RST), `capture-refused`, `capture-no-answer`, `capture-resets` (aborts from
    /// one endpoint) and `capture-server-closes-first` (a service that closes first and so carries
    /// the TIME_WAIT). Thresholds are in `thresholds`.
    public func findings() -> [Finding] {
        pendingFindings().map { $0.finding() }
    }

    /// The first `limit` findings of `findings()`, and the severity of every finding in the same
    /// order, for a report that prints a few and counts the rest.
    ///
    /// A capture of a leaking fleet has thousands of findings; writing the text of each only to
    /// count them cost more than the rest of the report.
    public func findings(first limit: Int) -> (findings: [Finding], severities: [Finding.Severity]) {
        let pending = pendingFindings()
        return (pending.prefix(max(limit, 0)).map { $0.finding() }, pending.map(\.severity))
    }

    /// The findings before their text is written, in the order of `findings()`.
    private func pendingFindings() -> [PendingFinding] {
        var pending: [PendingFinding] = []
        for group in closeWaitGroups(heldAtLeast: thresholds.closeWaitConnections) {
            pending.append(.closeWait(group))
        }
        for (service, counts) in serviceCounts.sorted(by: { $0.0 < $1.0 }) {
            if counts.refused >= thresholds.refusedConnections { pending.append(.refused(service, counts)) }
            if counts.unanswered >= thresholds.unansweredConnections { pending.append(.noAnswer(service, counts)) }
            if counts.closedFirst >= thresholds.serverClosesFirst {
                pending.append(.serverClosesFirst(service, counts))
            }
        }
        for (sender, counts) in abortCounts.sorted(by: { $0.0 < $1.0 }) where counts.total >= thresholds.resets {
            pending.append(.resets(sender, counts))
        }
        // Stable: severity first, then the order above. Positions are sorted, not the findings.
        let severities = pending.map(\.severity)
        return pending.indices.sorted { (severities[$0], -$0) > (severities[$1], -$1) }.map { pending[$0] }
    }

    /// A finding's rule and input, whose severity is known before its text is written.
    private enum PendingFinding {
        case closeWait(CloseWaitGroup)
        case refused(Endpoint, ServiceCounts)
        case noAnswer(Endpoint, ServiceCounts)
        case serverClosesFirst(Endpoint, ServiceCounts)
        case resets(Endpoint, AbortCounts)

        var severity: Finding.Severity {
            switch self {
            case .closeWait(let group): CaptureSummary.closeWaitSeverity(group)
            case .refused, .noAnswer: .warning
            case .serverClosesFirst, .resets: .info
            }
        }

        func finding() -> Finding {
            switch self {
            case .closeWait(let group): CaptureSummary.closeWaitFinding(group)
            case .refused(let service, let counts): CaptureSummary.refusedFinding(service, counts)
            case .noAnswer(let service, let counts): CaptureSummary.noAnswerFinding(service, counts)
            case .serverClosesFirst(let service, let counts): CaptureSummary.serverClosesFirstFinding(service, counts)
            case .resets(let sender, let counts): CaptureSummary.resetsFinding(sender, counts)
            }
        }
    }

    /// Critical when the late FIN or the peer's RST shows the harm, or when it is a pattern.
    static func closeWaitSeverity(_ group: CloseWaitGroup) -> Finding.Severity {
        group.lateFINResets + group.resetsByPeer > 0 || group.heldConnections >= 10 ? .critical : .warning
    }

    static func closeWaitFinding(_ group: CloseWaitGroup) -> Finding {
        let key = group.key
        let isClient = key.holderRole == .originator
        let holder = isClient ? "\(key.holder.address)" : "\(key.holder)"
        let direction = isClient ? "to \(key.peer)" : "from \(group.peerText)"
        let plural = group.heldConnections == 1 ? "connection" : "connections"
        var summary =
            "\(holder) held CLOSE_WAIT for \(group.heldConnections > 1 ? "up to " : "")"
            + "\(formatSeconds(group.longestSeconds)) on \(group.heldConnections) \(plural) \(direction)"
        if group.lateFINResets > 0 {
            summary += ", then its late FIN met RST"
        } else if group.resetsByPeer > 0 {
            summary += ", then the peer answered it with RST"
        } else if group.openAtEnd > 0 {
            summary += " (\(group.openAtEnd) still open when the capture ended)"
        }
        summary +=
            isClient
            ? ": it does not close its responses (connections the server has closed)"
            : ": the service does not close connections after its clients do"
        var why =
            "When the peer's FIN arrives the kernel moves the socket to CLOSE_WAIT and waits for the application to "
            + "call close(); nothing else ends it. \(holder) kept its side open for \(formatSeconds(group.meanHeldSeconds)) "
            + "on average after \(isClient ? "\(key.peer)" : group.peerAddresses.count == 1 ? group.peerText : "its clients") "
            + "had closed."
        if group.lateFINResets > 0 || group.resetsByPeer > 0 {
            why +=
                " Meanwhile the peer closed or forgot the connection (an orphaned FIN_WAIT2 lasts tcp_fin_timeout, "
                + "60 s by default, and TIME_WAIT 60 s on Linux), so what came late was answered with RST; requests "
                + "written on such a connection fail with 'connection reset by peer'."
        }
        var remedies: [String] = []
        if isClient {
            remedies.append(
                "Close or release every response, also on error paths: try-with-resources (Java), `with` blocks or "
                    + "response.close() (Python), `defer resp.Body.Close()` (Go), close() when read() returns 0 (C)."
            )
            remedies.append(
                "Evict idle pooled connections before the server's keep-alive timeout, and check connections before "
                    + "reuse, so that the client closes first."
            )
        } else {
            remedies.append(
                "Call close() when read() returns 0 (EOF) and on every error other than EAGAIN; give handlers an "
                    + "idle timeout so a stuck one cannot keep the socket."
            )
        }
        remedies.append(
            "Run `tcpdoctor doctor` on \(key.holder.address) to name the process that holds the CLOSE_WAIT sockets."
        )
        return Finding(
            rule: "capture-close-wait",
            severity: closeWaitSeverity(group),
            summary: summary,
            evidence: [
                EvidenceField("holder", .text(holder)),
                EvidenceField("holder_role", .text(key.holderRole.rawValue)),
                EvidenceField("peer", .text(group.peerText)),
                EvidenceField("connections", .integer(Int64(group.heldConnections))),
                EvidenceField("longest_seconds", .number(group.longestSeconds)),
                EvidenceField("mean_seconds", .number(group.meanHeldSeconds)),
                EvidenceField("open_at_end", .integer(Int64(group.openAtEnd))),
                EvidenceField("late_fin_resets", .integer(Int64(group.lateFINResets))),
                EvidenceField("resets_by_peer", .integer(Int64(group.resetsByPeer))),
                EvidenceField("example_packet", .integer(Int64(clamping: group.longestFirstPacketNumber))),
            ],
            why: why,
            remedies: remedies
        )
    }

    static func refusedFinding(_ service: Endpoint, _ counts: ServiceCounts) -> Finding {
        Finding(
            rule: "capture-refused",
            severity: .warning,
            summary: "\(service) refused \(counts.refused) of \(counts.connections) connection attempts (RST to SYN)",
            evidence: [
                EvidenceField("service", .text("\(service)")),
                EvidenceField("refused", .integer(Int64(counts.refused))),
                EvidenceField("connections", .integer(Int64(counts.connections))),
            ],
            why: "A SYN answered by RST means no socket listened on that address and port (ECONNREFUSED for the "
                + "client), or a firewall rule rejects with tcp-reset.",
            remedies: [
                "Check that the service is running and listening on \(service) (`tcpdoctor sockets` on that host).",
                "Check firewall rules that REJECT with tcp-reset on the path.",
            ]
        )
    }

    static func noAnswerFinding(_ service: Endpoint, _ counts: ServiceCounts) -> Finding {
        Finding(
            rule: "capture-no-answer",
            severity: .warning,
            summary: "SYNs to \(service) went unanswered on \(counts.unanswered) of \(counts.connections) connections",
            evidence: [
                EvidenceField("service", .text("\(service)")),
                EvidenceField("unanswered", .integer(Int64(counts.unanswered))),
                EvidenceField("connections", .integer(Int64(counts.connections))),
            ],
            why: "No SYN+ACK and no RST came back: the host is down or unreachable, a firewall drops the SYNs, or "
                + "the listener's SYN or accept queue is full and the kernel drops them (ListenOverflows, "
                + "ListenDrops). The client retries tcp_syn_retries times, about 127 s by default, then fails.",
            remedies: [
                "If the host is up, run `tcpdoctor doctor` there to check the listen backlog of \(service).",
                "Check routes and firewall rules that DROP on the path.",
            ]
        )
    }

    static func serverClosesFirstFinding(_ service: Endpoint, _ counts: ServiceCounts) -> Finding {
        Finding(
            rule: "capture-server-closes-first",
            severity: .info,
            summary: "\(service) closed first on \(counts.closedFirst) of \(counts.connections) connections: "
                + "TIME_WAIT accumulates on the server",
            evidence: [
                EvidenceField("service", .text("\(service)")),
                EvidenceField("closed_first", .integer(Int64(counts.closedFirst))),
                EvidenceField("connections", .integer(Int64(counts.connections))),
            ],
            why: "TIME_WAIT lives on the side that closes first and lasts 60 s on Linux whatever tcp_fin_timeout "
                + "says. A server that closes every connection keeps one TIME_WAIT entry per connection of the "
                + "last minute.",
            remedies: [
                "Keep connections alive (HTTP keep-alive, pooling) so fewer are opened and closed.",
                "Let clients close first where the protocol allows it (for example a client that sends "
                    + "'Connection: close' and closes after the response).",
                "Ignore advice to enable tcp_tw_recycle: it was removed in Linux 4.12 and broke clients behind NAT; "
                    + "tcp_tw_reuse only helps outgoing connections.",
            ]
        )
    }

    static func resetsFinding(_ sender: Endpoint, _ counts: AbortCounts) -> Finding {
        let states = counts.byState.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let stateText = states.map { "\($0.value) in \($0.key.netstatName)" }.joined(separator: ", ")
        return Finding(
            rule: "capture-resets",
            severity: .info,
            summary: "\(sender.port == 0 ? "\(sender.address)" : "\(sender)") aborted \(counts.total) connections "
                + "with RST (\(stateText))",
            evidence: [
                EvidenceField("sender", .text(sender.port == 0 ? "\(sender.address)" : "\(sender)")),
                EvidenceField("resets", .integer(Int64(counts.total))),
                EvidenceField(
                    "by_state",
                    .object(states.map { EvidenceField($0.key.netstatName, .integer(Int64($0.value))) })
                ),
            ],
            why: "An endpoint that still has a connection sends RST when the application closes with SO_LINGER set "
                + "to 0, closes with unread data in its receive queue, or receives data after close(); proxies "
                + "and load balancers also reset idle connections.",
            remedies: [
                "In ESTABLISHED: read everything before close(), and avoid SO_LINGER 0 unless an abort is intended.",
                "In FIN_WAIT1/FIN_WAIT2: the peer sent data after this side's close(); use shutdown(SHUT_WR) and "
                    + "read to EOF before close() when the peer may still send.",
            ]
        )
    }

    /// `97 s`, `2.5 s` or `499 ms`, without Foundation.
    static func formatSeconds(_ seconds: Double) -> String {
        if seconds >= 10 { return "\(Int(seconds.rounded())) s" }
        if seconds >= 1 {
            let tenths = Int((seconds * 10).rounded())
            return "\(tenths / 10).\(tenths % 10) s"
        }
        return "\(Int((seconds * 1000).rounded())) ms"
    }
}
