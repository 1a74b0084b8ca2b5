/// What each evidence key means to a person: a label, a unit, whether it belongs on the one
/// line of evidence a report shows by default, and how findings told together add it up.
///
/// JSON keeps the snake_case keys (a stable contract); people read labels and units. A key the
/// catalog does not know still reads as words (`retransmits max`), never as `retransmits_max`.
public struct EvidenceDescription: Hashable, Sendable {
    /// How a value is written.
    public enum Unit: Hashable, Sendable {
        case plain
        /// Seconds, written as a duration (`3 min 5 s`).
        case seconds
        /// A share in 0...1, written as a percentage.
        case share
        /// A port, written `:8080`.
        case port
        /// A byte count (`12 bytes`).
        case bytes
    }

    /// How the values of findings told together (`FindingGroup`) make one.
    public enum Total: Hashable, Sendable {
        /// Added up (socket counts).
        case sum
        /// The largest (ages, shares).
        case max
        /// Kept when every finding has the same value, else each distinct value listed.
        case same
        /// Lists joined; list items of objects with a `count` merged by their other fields.
        case merge
        /// An object whose fields are counts (sockets by state): added up field by field.
        case sumFields
    }

    /// The label in the verbose listing, such as `Recv-Q 1 (the FIN unread)`.
    public var label: String
    /// How the field reads on the default one-line evidence, with `{}` for the value; nil when the
    /// field is shown only with `--verbose` (it repeats the summary, or matters only to experts).
    public var compact: String?
    public var unit: Unit
    public var total: Total
    /// Whether a zero value is left off the default line (`0 orphaned` says nothing).
    public var hideZero: Bool
    /// Which fields the default line keeps when they do not all fit on it: lower first.
    public var priority: Int

    public init(
        _ label: String,
        compact: String?,
        unit: Unit = .plain,
        total: Total = .same,
        hideZero: Bool = false,
        priority: Int = 5
    ) {
        self.label = label
        self.compact = compact
        self.unit = unit
        self.total = total
        self.hideZero = hideZero
        self.priority = priority
    }
}

/// The descriptions of the evidence keys the rules write (see `EvidenceDescription`).
public enum EvidenceCatalog {
    /// The description of `key`; a key without one reads as its words, shown by default.
    public static func describe(_ key: String) -> EvidenceDescription {
        if let known = table[key] { return known }
        let words = key.split(separator: "_").joined(separator: " ")
        return EvidenceDescription(words, compact: "\(words) {}")
    }

    private typealias D = EvidenceDescription

    // Keys whose value the summary already states (count, port, peer, the Recv-Q diagnosis) have
    // no compact form: the default line adds what the summary does not say.
    private static let table: [String: EvidenceDescription] = [
        "count": D("sockets", compact: nil, total: .sum),
        "local_port": D("local port", compact: nil, unit: .port),
        "peer": D("peer", compact: nil),
        "destination": D("destination", compact: nil),
        "distinct_peers": D("distinct peers", compact: nil),
        "top_peers": D("top peers", compact: "peers {}", total: .merge),
        "fin_unread": D("Recv-Q 1 (the FIN unread)", compact: nil, total: .sum),
        "eof_not_closed": D("Recv-Q 0 (read EOF, not closed)", compact: nil, total: .sum),
        "data_unread": D("Recv-Q above 1 (data unread)", compact: nil, total: .sum),
        "unread_bytes": D("bytes unread", compact: "{} unread", unit: .bytes, total: .sum),
        "diagnosis": D("diagnosis", compact: nil),
        "oldest_age_seconds_estimate": D(
            "oldest, since the peer's last data (estimate)",
            compact: "oldest ~{}",
            unit: .seconds,
            total: .max,
            priority: 3
        ),
        "median_age_seconds_estimate": D(
            "median, since the peer's last data (estimate)",
            compact: nil,
            unit: .seconds,
            total: .max
        ),
        "process_close_wait": D(
            "CLOSE_WAIT in the whole process",
            compact: "{} CLOSE_WAIT in the process",
            total: .sum
        ),
        "open_files": D("open files", compact: "{} open files", total: .sum, priority: 6),
        "fd_limit_soft": D("open-file soft limit", compact: nil),
        "fd_limit_hard": D("open-file hard limit", compact: "hard limit {}", priority: 6),
        "fd_limit_share": D(
            "share of the soft limit",
            compact: "{} of the fd limit",
            unit: .share,
            total: .max,
            priority: 3
        ),
        // The runtime's name heads its fixes; on the evidence line it is worth the room only if left.
        "runtime": D("runtime", compact: "{}", priority: 6),
        "kernel_settings": D("kernel settings", compact: nil),
        "local_peers": D("other ends on this host", compact: "local peers: {}", total: .merge, priority: 1),
        "local_server": D("server on this host", compact: "server here: {}", total: .merge, priority: 1),
        "likely_clients": D("likely clients", compact: "likely clients {}", total: .merge, priority: 2),
        "orphaned": D("orphaned (no fd)", compact: "{} orphaned", total: .sum, hideZero: true),
        "held_by_process": D("held by a process", compact: "{} held by a process", total: .sum, hideZero: true),
        "local_address": D("local address", compact: nil),
        "port_range": D("ephemeral port range", compact: "ephemeral ports {}"),
        "port_range_size": D("ephemeral ports", compact: nil),
        "port_range_assumed": D("port range assumed (not read)", compact: nil),
        "port_share": D("share of the range in TIME_WAIT", compact: nil, unit: .share, total: .max),
        "ports_in_use_share": D("share of the range in use", compact: "{} of them in use", unit: .share, total: .max),
        "other_connections": D("other connections", compact: "{} other connections", total: .sum, hideZero: true),
        "new_connections_per_second_max": D("new connections a second, at most", compact: "at most {}/s new"),
        "namespace_time_wait": D("TIME_WAIT in the namespace", compact: "{} TIME_WAIT in the namespace"),
        "states": D("states", compact: "{}", total: .sumFields),
        "holders": D("holders", compact: nil, total: .merge),
        "sample_connections": D("sample connections", compact: nil, total: .merge),
        "share": D("share", compact: "{} of the maximum", unit: .share, total: .max),
        "nr_open": D("fs.nr_open", compact: "fs.nr_open {}", priority: 7),
        "file_max": D("fs.file-max", compact: "fs.file-max {}", priority: 6),
        "file_max_share": D("share of fs.file-max", compact: nil, unit: .share, total: .max),
        "system_file_handles": D("file handles in the system", compact: "{} file handles in the system", priority: 6),
        "dead_socket_fds": D("dead socket fds", compact: "{} dead socket fds", total: .sum, hideZero: true),
        "other_files": D("other files", compact: "{} other files", total: .sum, priority: 6),
        "tcp_socket_fds": D("TCP socket fds by state", compact: "socket fds {}", priority: 4),
        "accept_queue": D("accept queue", compact: nil),
        "backlog": D("backlog", compact: nil),
        "accept_queue_share": D("accept queue, share of the backlog", compact: nil, unit: .share, total: .max),
        "syn_recv": D("SYN_RECV", compact: "{} SYN_RECV", total: .sum, hideZero: true),
        "listeners": D("listeners", compact: nil),
        "backlog_capped_by_somaxconn": D("backlog capped by net.core.somaxconn", compact: "capped by somaxconn {}"),
        "retransmits_max": D("most retransmissions", compact: "up to {} retransmissions", total: .max),
        "distinct_sockets": D("distinct sockets", compact: "{} sockets", total: .sum),
        "fds": D("fds", compact: "fds {}", total: .merge),
        "sockstat_alloc": D("sockstat alloc", compact: "sockstat alloc {}"),
        "sockstat_inuse": D("sockstat inuse", compact: "inuse {}"),
    ]
}
