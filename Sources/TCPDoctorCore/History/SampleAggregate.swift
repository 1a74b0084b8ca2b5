/// What one sample of `tcpdoctor record` stores: aggregates, not sockets.
///
/// Sockets are counted per group (namespace x owning process x local port or peer), processes
/// keep their fd use and limits, each namespace its totals and a few kernel counters, and the
/// doctor's findings their rule, severity, subject and size. A process is known by its pid and
/// start time together, so that a pid the kernel reuses never merges two processes; its argv is
/// kept only as a hash (arguments can hold secrets).
public struct SampleAggregate: Hashable, Sendable {
    /// A process as the history knows it: its pid and when it started.
    public struct ProcessKey: Hashable, Sendable, Comparable {
        public var pid: Int32
        /// `/proc/PID/stat` field 22 (clock ticks after boot); nil when it could not be read.
        public var startTime: UInt64?

        public init(pid: Int32, startTime: UInt64?) {
            self.pid = pid
            self.startTime = startTime
        }

        public static func < (lhs: ProcessKey, rhs: ProcessKey) -> Bool {
            (lhs.pid, lhs.startTime ?? 0) < (rhs.pid, rhs.startTime ?? 0)
        }
    }

    /// One process that holds TCP sockets.
    public struct Process: Hashable, Sendable {
        public var key: ProcessKey
        /// `/proc/PID/comm`.
        public var command: String
        /// FNV-1a (64 bits) of argv joined by NUL bytes: tells two runs of one program apart
        /// without storing their arguments.
        public var argvHash: UInt64
        /// Open file descriptors.
        public var openFiles: Int64
        /// RLIMIT_NOFILE soft and hard limits; nil for unlimited or unreadable.
        public var fileLimitSoft: Int64?
        public var fileLimitHard: Int64?

        public init(
            key: ProcessKey,
            command: String,
            argvHash: UInt64,
            openFiles: Int64,
            fileLimitSoft: Int64? = nil,
            fileLimitHard: Int64? = nil
        ) {
            self.key = key
            self.command = command
            self.argvHash = argvHash
            self.openFiles = openFiles
            self.fileLimitSoft = fileLimitSoft
            self.fileLimitHard = fileLimitHard
        }
    }

    /// Where a group's sockets go: a local port (listeners and the connections they accepted) or a
    /// peer address (outbound connections).
    public enum Place: Hashable, Sendable, Comparable {
        case localPort(UInt16)
        case peer(IPAddress)

        /// `port` or `peer`, the store's `place_kind`.
        public var kind: String {
            switch self {
            case .localPort: "port"
            case .peer: "peer"
            }
        }

        /// The port number or the address as text, the store's `place`.
        public var text: String {
            switch self {
            case .localPort(let port): String(port)
            case .peer(let address): address.description
            }
        }
    }

    /// What a group of sockets is counted under.
    public struct GroupKey: Hashable, Sendable, Comparable {
        /// The inode of the sockets' network namespace.
        public var netns: UInt64
        /// The process holding them; nil for sockets no process holds (TIME_WAIT, orphans).
        public var process: ProcessKey?
        public var place: Place

        public init(netns: UInt64, process: ProcessKey?, place: Place) {
            self.netns = netns
            self.process = process
            self.place = place
        }

        public static func < (lhs: GroupKey, rhs: GroupKey) -> Bool {
            if lhs.netns != rhs.netns { return lhs.netns < rhs.netns }
            if lhs.process != rhs.process {
                guard let left = lhs.process else { return true }
                guard let right = rhs.process else { return false }
                return left < right
            }
            return lhs.place < rhs.place
        }
    }

    /// A namespace's totals.
    public struct Namespace: Hashable, Sendable {
        public var netns: UInt64
        /// Every socket of the namespace, owned or not.
        public var counts: StateCounts
        /// The kernel counters of `keptCounters` the namespace reported, by name.
        public var counters: [String: Int64]

        public init(netns: UInt64, counts: StateCounts, counters: [String: Int64] = [:]) {
            self.netns = netns
            self.counts = counts
            self.counters = counters
        }
    }

    /// One finding of the doctor, as the history keeps it.
    public struct FindingRecord: Hashable, Sendable {
        public var rule: String
        public var severity: Finding.Severity
        /// The finding's id (`close-wait-leak/4242/8000`): what stays the same from sample to sample.
        public var subject: String
        /// The first process it names, if any.
        public var pid: Int32?
        public var place: String?
        public var netns: UInt64?
        /// `Finding.size`: how many sockets, descriptors or handles it counts.
        public var size: Int64?

        public init(
            rule: String,
            severity: Finding.Severity,
            subject: String,
            pid: Int32? = nil,
            place: String? = nil,
            netns: UInt64? = nil,
            size: Int64? = nil
        ) {
            self.rule = rule
            self.severity = severity
            self.subject = subject
            self.pid = pid
            self.place = place
            self.netns = netns
            self.size = size
        }

        public init(_ finding: Finding) {
            self.init(
                rule: finding.rule,
                severity: finding.severity,
                subject: finding.id,
                pid: finding.processes.first?.pid,
                place: finding.place,
                netns: finding.netns?.inode,
                size: finding.size
            )
        }
    }

    /// The kernel counters kept per namespace (`/proc/net/snmp` and `netstat`, as `Section.Name`):
    /// the ones the rules read and the ones that tell a connection story over time.
    public static let keptCounters: [String] = [
        "Tcp.ActiveOpens", "Tcp.PassiveOpens", "Tcp.AttemptFails", "Tcp.EstabResets", "Tcp.RetransSegs",
        "Tcp.InErrs", "TcpExt.ListenOverflows", "TcpExt.ListenDrops", "TcpExt.TCPTimeWaitOverflow",
        "TcpExt.TCPAbortOnMemory", "TcpExt.TCPAbortOnTimeout", "TcpExt.TCPAbortOnClose", "TcpExt.TCPAbortOnData",
        "TcpExt.PAWSPassive",
    ]

    /// Socket counts per group, in key order.
    public var groups: [GroupKey: StateCounts]
    /// The processes that hold at least one TCP socket.
    public var processes: [ProcessKey: Process]
    /// Totals per namespace read.
    public var namespaces: [UInt64: Namespace]
    public var findings: [FindingRecord]
    /// Every TCP socket of the sample.
    public var sockets: Int64
    /// Sockets left unattributed because their owner could not be confirmed (`Coverage`).
    public var socketsUnattributed: Int64
    /// Open file handles of the whole host (`/proc/sys/fs/file-nr`), if read.
    public var fileHandlesAllocated: Int64?
    /// What the sample cost: seconds of CPU and of the monotonic clock.
    public var cpuSeconds: Double
    public var wallSeconds: Double
    /// Ticks skipped before this sample because an earlier one overran its interval.
    public var skippedTicks: Int64

    public init(
        groups: [GroupKey: StateCounts] = [:],
        processes: [ProcessKey: Process] = [:],
        namespaces: [UInt64: Namespace] = [:],
        findings: [FindingRecord] = [],
        sockets: Int64 = 0,
        socketsUnattributed: Int64 = 0,
        fileHandlesAllocated: Int64? = nil,
        cpuSeconds: Double = 0,
        wallSeconds: Double = 0,
        skippedTicks: Int64 = 0
    ) {
        self.groups = groups
        self.processes = processes
        self.namespaces = namespaces
        self.findings = findings
        self.sockets = sockets
        self.socketsUnattributed = socketsUnattributed
        self.fileHandlesAllocated = fileHandlesAllocated
        self.cpuSeconds = cpuSeconds
        self.wallSeconds = wallSeconds
        self.skippedTicks = skippedTicks
    }
}
