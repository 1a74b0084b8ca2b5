/// A kernel setting the doctor quotes as evidence, with what it governs.
///
/// Settings are quoted next to the symptom they explain, never audited on their own: a host
/// with default settings and no symptom gets no finding. The texts correct the usual folklore
/// (`tcp_fin_timeout` does not shorten TIME_WAIT; `tcp_tw_recycle` is gone).
public struct KernelSetting: Hashable, Sendable {
    /// The dotted sysctl name, such as `net.ipv4.tcp_fin_timeout`.
    public var name: String
    /// What the setting governs, in one sentence.
    public var governs: String

    public init(name: String, governs: String) {
        self.name = name
        self.governs = governs
    }

    /// Every setting the rules quote.
    public static let catalog: [KernelSetting] = [
        KernelSetting(
            name: "net.ipv4.tcp_keepalive_time",
            governs:
                "seconds a connection with SO_KEEPALIVE stays idle before the first probe (default 7200); sockets without SO_KEEPALIVE are never probed"
        ),
        KernelSetting(name: "net.ipv4.tcp_keepalive_intvl", governs: "seconds between keepalive probes (default 75)"),
        KernelSetting(
            name: "net.ipv4.tcp_keepalive_probes",
            governs:
                "unanswered keepalive probes before the kernel resets the connection (default 9); the reset removes the socket from the tables but an fd the application holds stays open"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_fin_timeout",
            governs:
                "seconds an orphaned FIN_WAIT2 socket (one its application has closed) waits for the peer's FIN (default 60); it does not bound FIN_WAIT2 sockets still held by a process, and it does not change TIME_WAIT, which lasts 60 s on Linux whatever this says"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_tw_reuse",
            governs:
                "whether a new outgoing connection may take over a TIME_WAIT 4-tuple when TCP timestamps make it safe: 0 off, 1 on, 2 loopback only (the default on recent kernels); it does nothing for servers"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_max_tw_buckets",
            governs:
                "the most TIME_WAIT sockets the namespace keeps; beyond it the kernel drops new ones at once (TcpExt.TCPTimeWaitOverflow) and logs \"time wait bucket table overflow\""
        ),
        KernelSetting(
            name: "net.ipv4.ip_local_port_range",
            governs:
                "the ephemeral ports connect() picks from; toward one destination address and port, one local address can have at most this many connections, TIME_WAIT included"
        ),
        KernelSetting(
            name: "net.core.somaxconn",
            governs:
                "the cap on every listen() backlog (default 4096 since Linux 5.4, 128 before): a larger backlog asked by the application is silently cut to it"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_max_syn_backlog",
            governs:
                "half-open connections (SYN_RECV) per listener; with syncookies off, unproven SYNs are dropped once three quarters of it is used; the listener's backlog bounds them too"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_syncookies",
            governs:
                "1: answer SYNs with cookies when a listener's queue overflows, keeping no SYN_RECV entry (the default); 0: drop them; 2: always use cookies"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_syn_retries",
            governs: "SYN retransmissions before connect() gives up with ETIMEDOUT (default 6, about 127 s)"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_orphan_retries",
            governs:
                "retransmissions of an orphaned socket's FIN (LAST_ACK, FIN_WAIT1, CLOSING) before the kernel gives up; 0 means 8"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_max_orphans",
            governs:
                "the most orphaned sockets (closed by their application, not yet finished) before the kernel resets new orphans and logs \"too many orphaned sockets\""
        ),
        KernelSetting(
            name: "net.ipv4.tcp_timestamps",
            governs:
                "TCP timestamps (RFC 7323), on by default; tcp_tw_reuse relies on them to take over TIME_WAIT ports safely"
        ),
        KernelSetting(
            name: "net.ipv4.tcp_tw_recycle",
            governs:
                "removed in Linux 4.12: it dropped SYNs from clients behind NAT whose timestamps did not increase; advice that recommends it is wrong"
        ),
    ]

    /// The setting named `name`, if the catalog has it.
    public static func named(_ name: String) -> KernelSetting? { catalog.first { $0.name == name } }

    /// A `kernel_settings` evidence field: value and meaning of each of `names` that `facts` has.
    ///
    /// - Returns: nil when none of them is known, so findings carry no empty lists.
    static func evidence(_ names: [String], facts: NamespaceFacts?) -> EvidenceField? {
        guard let facts else { return nil }
        var items: [EvidenceValue] = []
        for name in names {
            guard let text = facts.sysctls[name] else { continue }
            // Not `facts.integer`: it would run `32768 60999` together into one number.
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            let value: EvidenceValue =
                words.count == 1
                ? Int64(words[0]).map { .integer($0) } ?? .text(text) : .text(words.joined(separator: " "))
            items.append(
                .object([
                    EvidenceField("sysctl", .text(name)),
                    EvidenceField("value", value),
                    EvidenceField("governs", .text(named(name)?.governs ?? "")),
                ])
            )
        }
        return items.isEmpty ? nil : EvidenceField("kernel_settings", .list(items))
    }
}
