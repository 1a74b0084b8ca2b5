/// One threshold of the doctor's rules, named on the command line by its raw value
/// (`--threshold close-wait.warning=50`); each has a default and a meaning for `--list-thresholds`.
///
/// Declaration order is the order `--list-thresholds` prints.
public enum ThresholdKey: String, CaseIterable, Sendable {
    case closeWaitWarning = "close-wait.warning"
    case closeWaitCritical = "close-wait.critical"
    case closeWaitFdShareCritical = "close-wait.fd-share-critical"
    case fdWarning = "fd.warning"
    case fdCritical = "fd.critical"
    case timeWaitPortShareWarning = "time-wait.port-share-warning"
    case timeWaitPortShareCritical = "time-wait.port-share-critical"
    case timeWaitServerWarning = "time-wait.server-warning"
    case finWait2Warning = "fin-wait2.warning"
    case lastAckWarning = "last-ack.warning"
    case synSentWarning = "syn-sent.warning"
    case sharedSocketWarning = "shared-socket.warning"
    case deadSocketFdsWarning = "dead-socket-fds.warning"
    case deadSocketFdsCritical = "dead-socket-fds.critical"
    case deadSocketFdsMinIdleSeconds = "dead-socket-fds.min-idle-seconds"
    case listenBacklogFillWarning = "listen-backlog.fill-warning"
    case kernelSettingsTwBucketsShareWarning = "kernel-settings.tw-buckets-share-warning"
    case kernelSettingsOrphansShareWarning = "kernel-settings.orphans-share-warning"

    /// The value in force unless overridden.
    public var defaultValue: Double {
        switch self {
        case .closeWaitWarning: 10
        case .closeWaitCritical: 100
        case .closeWaitFdShareCritical: 0.5
        case .fdWarning: 0.8
        case .fdCritical: 0.95
        case .timeWaitPortShareWarning: 0.5
        case .timeWaitPortShareCritical: 0.8
        case .timeWaitServerWarning: 1000
        case .finWait2Warning: 100
        case .lastAckWarning: 50
        case .synSentWarning: 20
        case .sharedSocketWarning: 1
        case .deadSocketFdsWarning: 1
        case .deadSocketFdsCritical: 100
        case .deadSocketFdsMinIdleSeconds: 10
        case .listenBacklogFillWarning: 0.8
        case .kernelSettingsTwBucketsShareWarning: 0.9
        case .kernelSettingsOrphansShareWarning: 0.8
        }
    }

    /// What the threshold means, for `--list-thresholds`.
    public var meaning: String {
        switch self {
        case .closeWaitWarning: "CLOSE_WAIT sockets held by one process toward one peer or port before a warning"
        case .closeWaitCritical: "... before it is critical"
        case .closeWaitFdShareCritical:
            "share of the process's open-file soft limit used by CLOSE_WAIT that makes it critical"
        case .fdWarning: "share of a process's RLIMIT_NOFILE soft limit in use before a warning"
        case .fdCritical: "... before it is critical"
        case .timeWaitPortShareWarning:
            "share of ip_local_port_range held in TIME_WAIT toward one destination before a warning"
        case .timeWaitPortShareCritical: "... before it is critical"
        case .timeWaitServerWarning:
            "TIME_WAIT sockets on one local listening port (the server closes first) before a warning"
        case .finWait2Warning: "FIN_WAIT2 sockets toward one peer before a warning"
        case .lastAckWarning: "LAST_ACK sockets toward one peer before a warning"
        case .synSentWarning: "SYN_SENT sockets toward one destination before a warning"
        case .sharedSocketWarning: "sockets held by several processes, outside listeners, before a warning"
        case .deadSocketFdsWarning: "socket fds whose TCP socket the kernel already reset or destroyed before a warning"
        case .deadSocketFdsCritical: "... before it is critical"
        case .deadSocketFdsMinIdleSeconds:
            "seconds a reset socket must have been idle (TCP_INFO) to count as dead; newer ones are unverified"
        case .listenBacklogFillWarning:
            "accept queue length (or SYN_RECV count) as a share of the listener's backlog before a warning"
        case .kernelSettingsTwBucketsShareWarning:
            "TIME_WAIT sockets of a namespace as a share of net.ipv4.tcp_max_tw_buckets before a warning"
        case .kernelSettingsOrphansShareWarning:
            "orphaned sockets of a namespace as a share of net.ipv4.tcp_max_orphans before a warning"
        }
    }
}

/// The numbers at which rules speak up, each documented and overridable (`--threshold KEY=VALUE`).
///
/// Defaults are chosen so that a healthy host gets a short all-clear: a handful of CLOSE_WAIT
/// sockets come and go on any busy server; dozens held by one process do not.
public struct Thresholds: Hashable, Sendable {
    /// Values by key; every key has one.
    public private(set) var values: [ThresholdKey: Double]

    public init() {
        values = Dictionary(uniqueKeysWithValues: ThresholdKey.allCases.map { ($0, $0.defaultValue) })
    }

    /// The value of `key`.
    public subscript(_ key: ThresholdKey) -> Double { values[key] ?? key.defaultValue }

    /// Overrides one threshold.
    public mutating func set(_ key: ThresholdKey, to value: Double) {
        values[key] = value
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
        let seconds = self[.deadSocketFdsMinIdleSeconds]
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64((min(seconds, Double(UInt32.max) / 1000) * 1000).rounded()))
    }
}
