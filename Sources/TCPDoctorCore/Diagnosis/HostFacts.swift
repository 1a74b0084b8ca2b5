/// Kernel settings and counters of one network namespace, read from /proc/sys and /proc/net.
///
/// The doctor audits settings only where a symptom calls for it, so these are facts to quote as
/// evidence, not a checklist. Any value may be missing (an older kernel, an unreadable file).
public struct NamespaceFacts: Hashable, Sendable {
    /// Sysctl values by their dotted name, such as `net.ipv4.tcp_fin_timeout`, as text.
    public var sysctls: [String: String]
    /// `/proc/net/netstat` and `/proc/net/snmp` counters by `Section.Name`, such as
    /// `TcpExt.ListenOverflows`.
    public var counters: [String: Int64]
    /// `/proc/net/sockstat` TCP line: `inuse`, `orphan`, `tw`, `alloc`, `mem`.
    public var sockstat: [String: Int64]

    public init(sysctls: [String: String] = [:], counters: [String: Int64] = [:], sockstat: [String: Int64] = [:]) {
        self.sysctls = sysctls
        self.counters = counters
        self.sockstat = sockstat
    }

    /// A sysctl as an integer, when it is one.
    public func integer(_ name: String) -> Int64? { sysctls[name].flatMap { Int64($0.filter { !$0.isWhitespace }) } }

    /// `net.ipv4.ip_local_port_range` as a closed range, when readable.
    public var localPortRange: ClosedRange<Int>? {
        guard let text = sysctls["net.ipv4.ip_local_port_range"] else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
        guard parts.count == 2, parts[0] <= parts[1] else { return nil }
        return parts[0]...parts[1]
    }
}

/// Host-wide facts: the system's open-file accounting and each namespace's settings.
public struct HostFacts: Hashable, Sendable {
    /// `fs.file-nr`, first field: file handles allocated system-wide.
    public var fileHandlesAllocated: Int64?
    /// `fs.file-max` (also `fs.file-nr`'s third field): the system-wide ceiling.
    public var fileHandlesMaximum: Int64?
    /// `fs.nr_open`: the ceiling for any process's RLIMIT_NOFILE.
    public var nrOpen: Int64?
    /// Facts per namespace inode.
    public var namespaces: [UInt64: NamespaceFacts]
    /// The running kernel's release (`uname -r`), such as `6.1.0-18-amd64`.
    public var kernelRelease: String?

    public init(
        fileHandlesAllocated: Int64? = nil,
        fileHandlesMaximum: Int64? = nil,
        nrOpen: Int64? = nil,
        namespaces: [UInt64: NamespaceFacts] = [:],
        kernelRelease: String? = nil
    ) {
        self.fileHandlesAllocated = fileHandlesAllocated
        self.fileHandlesMaximum = fileHandlesMaximum
        self.nrOpen = nrOpen
        self.namespaces = namespaces
        self.kernelRelease = kernelRelease
    }
}
