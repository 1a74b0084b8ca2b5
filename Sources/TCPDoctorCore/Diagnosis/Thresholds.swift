/// The numbers at which rules speak up, each documented and overridable (`--threshold KEY=VALUE`).
///
/// Defaults are chosen so that a healthy host gets a short all-clear: a handful of CLOSE_WAIT
/// sockets come and go on any busy server; dozens held by one process do not.
public struct Thresholds: Hashable, Sendable {
    /// Values by key, such as `close-wait.warning`.
    public private(set) var values: [String: Double]

    /// Every known key with its default and what it means, for `--list-thresholds` and the docs.
    public static let defaults: [(key: String, value: Double, meaning: String)] = [
        ("close-wait.warning", 10, "CLOSE_WAIT sockets held by one process toward one peer or port before a warning"),
        ("close-wait.critical", 100, "... before it is critical"),
        (
            "close-wait.fd-share-critical", 0.5,
            "share of the process's open-file soft limit used by CLOSE_WAIT that makes it critical"
        ),
        ("fd.warning", 0.8, "share of a process's RLIMIT_NOFILE soft limit in use before a warning"),
        ("fd.critical", 0.95, "... before it is critical"),
        (
            "time-wait.port-share-warning", 0.5,
            "share of ip_local_port_range held in TIME_WAIT toward one destination before a warning"
        ),
        ("time-wait.port-share-critical", 0.8, "... before it is critical"),
        (
            "time-wait.server-warning", 1000,
            "TIME_WAIT sockets on one local listening port (the server closes first) before a warning"
        ),
        ("fin-wait2.warning", 100, "FIN_WAIT2 sockets toward one peer before a warning"),
        ("last-ack.warning", 50, "LAST_ACK sockets toward one peer before a warning"),
        ("syn-sent.warning", 20, "SYN_SENT sockets toward one destination before a warning"),
        ("shared-socket.warning", 1, "sockets held by several processes, outside listeners, before a warning"),
        (
            "dead-socket-fds.warning", 1,
            "socket fds whose TCP socket the kernel already reset or destroyed before a warning"
        ),
        ("dead-socket-fds.critical", 100, "... before it is critical"),
        (
            "dead-socket-fds.min-idle-seconds", 10,
            "seconds a reset socket must have been idle (TCP_INFO) to count as dead; newer ones are unverified"
        ),
        (
            "listen-backlog.fill-warning", 0.8,
            "accept queue length (or SYN_RECV count) as a share of the listener's backlog before a warning"
        ),
        (
            "kernel-settings.tw-buckets-share-warning", 0.9,
            "TIME_WAIT sockets of a namespace as a share of net.ipv4.tcp_max_tw_buckets before a warning"
        ),
        (
            "kernel-settings.orphans-share-warning", 0.8,
            "orphaned sockets of a namespace as a share of net.ipv4.tcp_max_orphans before a warning"
        ),
    ]

    public init() {
        values = Dictionary(uniqueKeysWithValues: Self.defaults.map { ($0.key, $0.value) })
    }

    /// The value of `key`; unknown keys are a programming error caught by the tests, so 0.
    public subscript(_ key: String) -> Double { values[key] ?? 0 }

    /// Overrides one threshold.
    ///
    /// - Returns: false when `key` is not a known threshold.
    @discardableResult
    public mutating func set(_ key: String, to value: Double) -> Bool {
        guard values[key] != nil else { return false }
        values[key] = value
        return true
    }
}

extension Thresholds {
    /// How long a closed socket that carried a connection must have sent and received nothing
    /// before its fd counts as dead: `dead-socket-fds.min-idle-seconds` (default 10 s).
    ///
    /// An application learns of a reset at its next read or write and then closes the fd; an fd
    /// whose connection was active a moment ago may be on its way to `close()`. Idle time is the
    /// kernel's own (`TCP_INFO`: the least of `tcpi_last_data_sent`, `tcpi_last_data_recv` and
    /// `tcpi_last_ack_recv`). A negative value (or NaN) counts as 0; a value beyond what
    /// `TCP_INFO` can report (2^32 ms, 49.7 days) as that much.
    public var deadSocketMinimumIdle: Duration {
        let seconds = self["dead-socket-fds.min-idle-seconds"]
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64((min(seconds, Double(UInt32.max) / 1000) * 1000).rounded()))
    }
}
