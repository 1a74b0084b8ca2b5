/// Every metric family serve exports, declared once with its help text and label names
/// (docs/metrics.md lists them). Label values come from bounded sets only: states, the top K
/// of each family and `other`, severities, rule ids.
public enum MetricCatalog {
    /// The label value of the bucket that holds everything past a family's top K.
    public static let other = "other"

    // MARK: The host

    public static let sockets = MetricDefinition(
        "tcpdoctor_sockets",
        .gauge,
        "TCP sockets by network namespace and state (netstat's names; CLOSE_WAIT is never counted as ESTABLISHED).",
        labels: ["netns", "state"]
    )
    public static let unattributedSockets = MetricDefinition(
        "tcpdoctor_unattributed_sockets",
        .gauge,
        "Sockets with an open file whose holding process could not be found (unreadable or vanished processes)."
    )

    // MARK: Process groups (named by command, never by command line)

    public static func processSockets(pidLabels: Bool) -> MetricDefinition {
        MetricDefinition(
            "tcpdoctor_process_sockets",
            .gauge,
            "TCP sockets held by the processes of a command, by state (a socket shared by several of them counts once).",
            labels: processLabels(pidLabels) + ["state"]
        )
    }
    public static func processInstances(pidLabels: Bool) -> MetricDefinition {
        MetricDefinition(
            "tcpdoctor_process_instances",
            .gauge,
            "Processes of a command that hold at least one socket.",
            labels: processLabels(pidLabels)
        )
    }
    public static func processOpenFDs(pidLabels: Bool) -> MetricDefinition {
        MetricDefinition(
            "tcpdoctor_process_open_fds",
            .gauge,
            "Open file descriptors, summed over the processes of a command.",
            labels: processLabels(pidLabels)
        )
    }
    public static func processMaxFDs(pidLabels: Bool) -> MetricDefinition {
        MetricDefinition(
            "tcpdoctor_process_max_fds",
            .gauge,
            "The lowest RLIMIT_NOFILE soft limit among the processes of a command (absent when all are unlimited).",
            labels: processLabels(pidLabels)
        )
    }
    public static func processWorstFDRatio(pidLabels: Bool) -> MetricDefinition {
        MetricDefinition(
            "tcpdoctor_process_worst_fd_ratio",
            .gauge,
            "Open fds over the soft limit of the process of a command nearest its limit (1 means full).",
            labels: processLabels(pidLabels)
        )
    }
    public static func processFDLimitSeconds(pidLabels: Bool) -> MetricDefinition {
        MetricDefinition(
            "tcpdoctor_process_fd_limit_seconds",
            .gauge,
            "Seconds until the process of a command nearest it reaches its fd soft limit, at the pace of a linear fit over serve's snapshots of the last --trend-window seconds, one hour by default (absent when not growing).",
            labels: processLabels(pidLabels)
        )
    }
    public static func deadSocketFDs(pidLabels: Bool) -> MetricDefinition {
        MetricDefinition(
            "tcpdoctor_dead_socket_fds",
            .gauge,
            "Socket fds whose TCP socket the kernel reset or destroyed while the processes of a command still hold them (confirmed ones).",
            labels: processLabels(pidLabels)
        )
    }

    private static func processLabels(_ pidLabels: Bool) -> [String] { pidLabels ? ["process", "pid"] : ["process"] }

    // MARK: Ports and peers

    public static let listenQueueLength = MetricDefinition(
        "tcpdoctor_listen_queue_length",
        .gauge,
        "Connections waiting in the accept queue of a listening port (summed over its listening sockets).",
        labels: ["netns", "port"]
    )
    public static let listenBacklog = MetricDefinition(
        "tcpdoctor_listen_backlog",
        .gauge,
        "The accept queue limit (listen backlog) of a listening port (summed over its listening sockets).",
        labels: ["netns", "port"]
    )
    public static let timeWaitSockets = MetricDefinition(
        "tcpdoctor_time_wait_sockets",
        .gauge,
        "TIME_WAIT sockets by destination (remote address and port).",
        labels: ["netns", "destination"]
    )
    public static let ephemeralPorts = MetricDefinition(
        "tcpdoctor_ephemeral_ports",
        .gauge,
        "Ports in net.ipv4.ip_local_port_range: how many connections one source address can have open toward one destination, TIME_WAIT included.",
        labels: ["netns"]
    )

    // MARK: The doctor

    public static let finding = MetricDefinition(
        "tcpdoctor_finding",
        .gauge,
        "A current finding of the doctor: what it counts (sockets, fds), by rule, severity and subject (commands and port or peer; also apart as process and place).",
        labels: ["rule", "severity", "subject", "process", "place"]
    )
    public static let findings = MetricDefinition(
        "tcpdoctor_findings",
        .gauge,
        "Current findings of the doctor by severity.",
        labels: ["severity"]
    )

    // MARK: Self-metrics

    public static let snapshots = MetricDefinition(
        "tcpdoctor_snapshots",
        .counter,
        "Snapshots taken (each shared by every scrape within --min-interval)."
    )
    public static let snapshotDuration = MetricDefinition(
        "tcpdoctor_snapshot_duration_seconds",
        .gauge,
        "Wall-clock seconds the latest snapshot took: sockets, owners, host facts and the doctor."
    )
    public static let snapshotTimestamp = MetricDefinition(
        "tcpdoctor_snapshot_timestamp_seconds",
        .gauge,
        "When the latest snapshot was taken, in seconds since the Unix epoch."
    )
    public static let snapshotSuccess = MetricDefinition(
        "tcpdoctor_snapshot_success",
        .gauge,
        "1 when the latest snapshot could be taken, 0 when the system could not be read."
    )
    public static let scrapes = MetricDefinition(
        "tcpdoctor_scrapes",
        .counter,
        "Requests of /metrics answered."
    )
    public static let scrapeErrors = MetricDefinition(
        "tcpdoctor_scrape_errors",
        .counter,
        "Requests of /metrics answered without snapshot data because the system could not be read."
    )
    public static let recordSamples = MetricDefinition(
        "tcpdoctor_record_samples",
        .counter,
        "Samples serve --record wrote into the history database (0 without --record)."
    )
    public static let recordErrors = MetricDefinition(
        "tcpdoctor_record_errors",
        .counter,
        "Samples serve --record could not write (a full disk, a read-only database); it retries at the next tick."
    )
    public static let seriesDropped = MetricDefinition(
        "tcpdoctor_series_dropped",
        .counter,
        "Series left out of snapshots because the exposition reached --max-series."
    )
    public static let seriesFolded = MetricDefinition(
        "tcpdoctor_series_folded",
        .counter,
        "Series of snapshots folded into the `other` bucket (or left out, for kernel counters) past a family's top K.",
        labels: ["family"]
    )
    public static let exportedSeries = MetricDefinition(
        "tcpdoctor_exported_series",
        .gauge,
        "Series in the latest snapshot's exposition, self-metrics included."
    )

    /// The families whose keys are folded past the top K, by the name the folded counter gives them.
    public static let foldedFamilies = [
        "tcpdoctor_sockets", "tcpdoctor_process", "tcpdoctor_listen", "tcpdoctor_time_wait_sockets",
        "tcpdoctor_finding", "tcpdoctor_kernel",
    ]

    /// Series the self-metrics take: reserved out of --max-series, so that the cap never hides them.
    public static var selfSeriesCount: Int { 10 + foldedFamilies.count }
}
