/// The kernel's TCP counters the doctor's rules read (`/proc/net/netstat`, `/proc/net/snmp`), as
/// Prometheus counters per network namespace.
///
/// Each is its own family, as node_exporter's netstat collector does, because each counts a
/// different event; a family with a `counter` label would sum apples and pears.
public enum KernelCounterMetrics {
    /// The counter's key in `NamespaceFacts.counters` and its family.
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var definition: MetricDefinition
    }

    public static let entries: [Entry] = [
        entry("TcpExt.ListenOverflows", "listen_overflows", "connections dropped because an accept queue was full"),
        entry("TcpExt.ListenDrops", "listen_drops", "SYNs and connections dropped at a listener, overflows included"),
        entry(
            "TcpExt.TCPAbortOnTimeout",
            "abort_on_timeout",
            "connections aborted after retransmissions or keepalive probes went unanswered"
        ),
        entry(
            "TcpExt.TCPAbortOnClose",
            "abort_on_close",
            "connections reset because the application closed with unread data"
        ),
        entry(
            "TcpExt.TCPAbortOnData",
            "abort_on_data",
            "connections reset because data arrived after the application closed"
        ),
        entry("TcpExt.TCPAbortOnMemory", "abort_on_memory", "connections reset for lack of memory or too many orphans"),
        entry(
            "TcpExt.TCPTimeWaitOverflow",
            "time_wait_overflow",
            "TIME_WAIT sockets not created because tcp_max_tw_buckets was reached"
        ),
        entry("TcpExt.PAWSPassive", "paws_passive", "SYNs rejected by the PAWS timestamp check"),
        entry("TcpExt.SyncookiesSent", "syncookies_sent", "SYN cookies sent (a full SYN queue)"),
        entry("TcpExt.SyncookiesRecv", "syncookies_received", "valid SYN cookies received"),
        entry("TcpExt.SyncookiesFailed", "syncookies_failed", "invalid SYN cookies received"),
        entry("Tcp.ActiveOpens", "active_opens", "connections opened by connect() (SYN_SENT entered)"),
        entry("Tcp.PassiveOpens", "passive_opens", "connections opened by a listener (SYN_RECV entered)"),
        entry("Tcp.AttemptFails", "attempt_fails", "connection attempts that failed from SYN_SENT or SYN_RECV"),
        entry("Tcp.EstabResets", "established_resets", "connections reset from ESTABLISHED or CLOSE_WAIT"),
        entry("Tcp.InErrs", "in_errors", "segments received in error"),
        entry("Tcp.RetransSegs", "retransmitted_segments", "segments retransmitted"),
    ]

    private static func entry(_ key: String, _ name: String, _ meaning: String) -> Entry {
        let kernelName = key.replacingOccurrences(".", with: " ")
        return Entry(
            key: key,
            definition: MetricDefinition(
                "tcpdoctor_kernel_\(name)",
                .counter,
                "The kernel's \(kernelName): \(meaning), per network namespace.",
                labels: ["netns"]
            )
        )
    }
}

extension String {
    /// Every occurrence of one character replaced by a string (without Foundation).
    fileprivate func replacingOccurrences(_ character: Character, with replacement: String) -> String {
        var result = ""
        for each in self { if each == character { result += replacement } else { result.append(each) } }
        return result
    }
}
