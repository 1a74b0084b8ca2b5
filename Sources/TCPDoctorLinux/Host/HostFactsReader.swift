import TCPDoctorCore

/// Reads the kernel settings and counters the doctor quotes as evidence, per network namespace.
///
/// Sysctls under `net.` and the files of `/proc/net` belong to a namespace: for another
/// namespace they are read from a thread that entered it (opening `/proc/sys/net/...` resolves
/// against the opener's namespace). `fs.` sysctls are host-wide. A value that cannot be read is
/// simply missing; the doctor then says less, never something wrong.
public enum HostFactsReader {
    /// The per-namespace sysctls the doctor knows how to explain.
    public static let namespaceSysctls = [
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_max_tw_buckets",
        "net.ipv4.ip_local_port_range", "net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog",
        "net.ipv4.tcp_syncookies", "net.ipv4.tcp_orphan_retries", "net.ipv4.tcp_max_orphans",
        "net.ipv4.tcp_syn_retries", "net.ipv4.tcp_synack_retries", "net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_timestamps",
    ]

    /// Host-wide sysctls, stored in every namespace's facts for convenience.
    public static let hostSysctls = ["fs.file-max", "fs.nr_open", "fs.file-nr"]

    /// Reads facts for `namespaces` (as `SnapshotReader.namespaces` returns them).
    public static func read(_ namespaces: [NamespaceLocation]) -> HostFacts {
        var host = HostFacts()
        var hostWide: [String: String] = [:]
        for name in hostSysctls { hostWide[name] = sysctl(name) }
        if let fileNr = hostWide["fs.file-nr"] {
            let fields = fileNr.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int64($0) }
            if fields.count == 3 {
                host.fileHandlesAllocated = fields[0]
                host.fileHandlesMaximum = fields[2]
            }
        }
        host.nrOpen = hostWide["fs.nr_open"].flatMap { Int64($0) }
        if host.fileHandlesMaximum == nil { host.fileHandlesMaximum = hostWide["fs.file-max"].flatMap { Int64($0) } }
        host.kernelRelease = readText("/proc/sys/kernel/osrelease")

        for location in namespaces {
            let namespace = location.namespace
            var facts: NamespaceFacts
            if namespace.isHost {
                facts = readNamespace(netDirectory: "/proc/thread-self/net")
            } else if let file = try? location.open(),
                let inside = try? file.withThreadInside({ readNamespace(netDirectory: "/proc/thread-self/net") })
            {
                facts = inside
            } else {
                continue
            }
            facts.sysctls.merge(hostWide) { current, _ in current }
            host.namespaces[namespace.inode] = facts
        }
        return host
    }

    /// Sysctls, counters and sockstat of the calling thread's namespace.
    static func readNamespace(netDirectory: String) -> NamespaceFacts {
        var facts = NamespaceFacts()
        for name in namespaceSysctls {
            if let value = sysctl(name) { facts.sysctls[name] = value }
        }
        if let counters = try? KernelCounters.read(directory: netDirectory) {
            for (section, values) in counters.sections {
                for (name, value) in values { facts.counters["\(section).\(name)"] = value }
            }
        }
        if let sockstat = try? SocketStatistics.read(directory: netDirectory) {
            for (key, value) in sockstat.sections["TCP"] ?? [:] { facts.sockstat[key] = value }
        }
        return facts
    }

    /// A sysctl's value as text (tabs between fields as the kernel prints them), or nil.
    static func sysctl(_ name: String) -> String? {
        readText("/proc/sys/" + name.split(separator: ".").joined(separator: "/"))
    }

    private static func readText(_ path: String) -> String? {
        guard case .success(let bytes) = readProcFile(path, limit: 4096) else { return nil }
        var text = String(decoding: bytes, as: UTF8.self)
        while text.last == "\n" { text.removeLast() }
        return text
    }
}
