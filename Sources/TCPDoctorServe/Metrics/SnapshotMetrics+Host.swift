import TCPDoctorCore

extension SnapshotMetrics {
    /// `tcpdoctor_sockets` per kept namespace and state (every state, zeros included, so that a
    /// series does not vanish when a pile drains), `other` for the rest; unattributed sockets.
    static func hostFamilies(_ snapshot: Snapshot, namespaces: NamespaceLabels) -> [MetricFamily] {
        var counts: [UInt64: [Int]] = [:]
        for socket in snapshot.sockets {
            counts[socket.netns, default: Array(repeating: 0, count: TCPState.rawValueSlots)][
                Int(socket.state.rawValue)
            ] +=
                1
        }
        var sockets = MetricFamily(MetricCatalog.sockets)
        for (inode, label) in namespaces.kept {
            let row = counts[inode] ?? Array(repeating: 0, count: TCPState.rawValueSlots)
            for state in states {
                sockets.samples.append(MetricSample([label, state.netstatName], Double(row[Int(state.rawValue)])))
            }
        }
        if namespaces.foldedCount > 0 {
            var other = Array(repeating: 0, count: TCPState.rawValueSlots)
            for (inode, row) in counts where !namespaces.isKept(inode) {
                for index in row.indices { other[index] += row[index] }
            }
            for state in states {
                sockets.samples.append(
                    MetricSample([MetricCatalog.other, state.netstatName], Double(other[Int(state.rawValue)]))
                )
            }
        }
        var unattributed = MetricFamily(MetricCatalog.unattributedSockets)
        if snapshot.coverage.ownersScanned {
            unattributed.samples = [MetricSample([], Double(snapshot.coverage.socketsUnattributed))]
        }
        return [sockets, unattributed]
    }

    /// Accept queues and backlogs per listening port, TIME_WAIT per destination; the top K of
    /// each (by queue length, by count) and `other`.
    static func portFamilies(
        _ snapshot: Snapshot,
        namespaces: NamespaceLabels,
        limits: MetricLimits,
        folded: inout [String: Int]
    ) -> [MetricFamily] {
        struct Key: Hashable {
            var netns: String
            var place: String
            var port: UInt16
        }
        var listeners: [Key: (queue: Int, backlog: Int)] = [:]
        var timeWait: [Key: Int] = [:]
        for socket in snapshot.sockets {
            switch socket.state {
            case .listen:
                let key = Key(
                    netns: namespaces.label(socket.netns),
                    place: String(socket.local.port),
                    port: socket.local.port
                )
                var entry = listeners[key] ?? (0, 0)
                entry.queue += Int(socket.recvQ)
                entry.backlog += Int(socket.sendQ)
                listeners[key] = entry
            case .timeWait:
                let key = Key(
                    netns: namespaces.label(socket.netns),
                    place: destination(socket.remote),
                    port: socket.remote.port
                )
                timeWait[key, default: 0] += 1
            default:
                continue
            }
        }
        let listen = TopK.split(Array(listeners.keys), limit: limits.top) { left, right in
            let (l, r) = (listeners[left] ?? (0, 0), listeners[right] ?? (0, 0))
            return (l.queue, l.backlog, right.port, right.netns) > (r.queue, r.backlog, left.port, left.netns)
        }
        var queue = MetricFamily(MetricCatalog.listenQueueLength)
        var backlog = MetricFamily(MetricCatalog.listenBacklog)
        for key in listen.kept {
            let entry = listeners[key] ?? (0, 0)
            queue.samples.append(MetricSample([key.netns, key.place], Double(entry.queue)))
            backlog.samples.append(MetricSample([key.netns, key.place], Double(entry.backlog)))
        }
        if !listen.folded.isEmpty {
            let sum = listen.folded.reduce((0, 0)) { total, key in
                let entry = listeners[key] ?? (0, 0)
                return (total.0 + entry.queue, total.1 + entry.backlog)
            }
            queue.samples.append(MetricSample([MetricCatalog.other, MetricCatalog.other], Double(sum.0)))
            backlog.samples.append(MetricSample([MetricCatalog.other, MetricCatalog.other], Double(sum.1)))
        }
        folded["tcpdoctor_listen"] = listen.folded.count * 2

        let waits = TopK.split(Array(timeWait.keys), limit: limits.top) { left, right in
            (timeWait[left, default: 0], right.place, right.netns) > (
                timeWait[right, default: 0], left.place, left.netns
            )
        }
        var destinations = MetricFamily(MetricCatalog.timeWaitSockets)
        for key in waits.kept {
            destinations.samples.append(MetricSample([key.netns, key.place], Double(timeWait[key, default: 0])))
        }
        if !waits.folded.isEmpty {
            let sum = waits.folded.reduce(0) { $0 + timeWait[$1, default: 0] }
            destinations.samples.append(MetricSample([MetricCatalog.other, MetricCatalog.other], Double(sum)))
        }
        folded["tcpdoctor_time_wait_sockets"] = waits.folded.count
        return [queue, backlog, destinations]
    }

    /// `10.0.0.9:80`, `[2001:db8::1]:443`.
    static func destination(_ endpoint: Endpoint) -> String {
        endpoint.address.family == .ipv6 && !endpoint.address.isIPv4Mapped
            ? "[\(endpoint.address)]:\(endpoint.port)" : "\(endpoint.address):\(endpoint.port)"
    }

    /// The kernel counters of the rules for the kept namespaces; the others are left out (a sum
    /// of counters over namespaces that come and go would not be monotonic) and counted as folded.
    /// After them, the size of each kept namespace's ephemeral port range.
    static func kernelCounterFamilies(
        _ host: HostFacts,
        namespaces: NamespaceLabels,
        folded: inout [String: Int]
    ) -> [MetricFamily] {
        var families = KernelCounterMetrics.entries.map { MetricFamily($0.definition) }
        for (inode, label) in namespaces.kept {
            guard let facts = host.namespaces[inode] else { continue }
            for (index, entry) in KernelCounterMetrics.entries.enumerated() {
                guard let value = facts.counters[entry.key] else { continue }
                families[index].samples.append(MetricSample([label], Double(value)))
            }
        }
        var ports = MetricFamily(MetricCatalog.ephemeralPorts)
        for (inode, label) in namespaces.kept {
            guard let range = host.namespaces[inode]?.localPortRange else { continue }
            ports.samples.append(MetricSample([label], Double(range.count)))
        }
        let foldedNamespaces = host.namespaces.keys.filter { !namespaces.isKept($0) }.count
        folded["tcpdoctor_kernel"] = foldedNamespaces * KernelCounterMetrics.entries.count
        return families + [ports]
    }
}
