import TCPDoctorCore

extension SnapshotMetrics {
    /// One group of processes: a command (the kernel's comm, never the command line, which may
    /// hold secrets), or one process when pid labels were asked for.
    struct ProcessGroup: Hashable {
        var command: String
        var pid: Int32?

        func labels(_ pidLabels: Bool) -> [String] { pidLabels ? [command, pid.map(String.init) ?? ""] : [command] }
    }

    /// A group and what its families say.
    typealias ProcessEntry = (group: ProcessGroup, tally: ProcessTally)

    /// What the families of one group say.
    struct ProcessTally {
        var states = Array(repeating: 0, count: TCPState.rawValueSlots)
        var total = 0
        var instances = 0
        var openFDs = 0
        var lowestLimit: UInt64?
        var worstRatio: Double?
        var deadFDs = 0
        /// The soonest any of its processes reaches its soft limit at the fitted pace.
        var fdLimitSeconds: Double?

        mutating func add(_ other: ProcessTally) {
            for index in states.indices { states[index] += other.states[index] }
            total += other.total
            instances += other.instances
            openFDs += other.openFDs
            if let limit = other.lowestLimit { lowestLimit = min(lowestLimit ?? limit, limit) }
            if let ratio = other.worstRatio { worstRatio = max(worstRatio ?? ratio, ratio) }
            deadFDs += other.deadFDs
            if let seconds = other.fdLimitSeconds { fdLimitSeconds = min(fdLimitSeconds ?? seconds, seconds) }
        }
    }

    /// Every process group of the snapshot with what its families say, in no particular order.
    ///
    /// Shared with serve's timeline, so that the page groups processes as the metrics do.
    /// `fdLimitSeconds` (per pid) gives each group the soonest of its processes to reach its limit.
    static func processTallies(
        _ snapshot: Snapshot,
        pidLabels: Bool,
        fdLimitSeconds: [Int32: Double] = [:]
    ) -> [ProcessEntry] {
        var groupOf: [Int32: Int] = [:]
        var groups: [ProcessGroup] = []
        var tallies: [ProcessTally] = []
        var indexOf: [ProcessGroup: Int] = [:]
        for (pid, process) in snapshot.processes {
            let group = ProcessGroup(command: process.command, pid: pidLabels ? pid : nil)
            let index: Int
            if let known = indexOf[group] {
                index = known
            } else {
                index = groups.count
                indexOf[group] = index
                groups.append(group)
                tallies.append(ProcessTally())
            }
            groupOf[pid] = index
            tallies[index].instances += 1
            tallies[index].openFDs += process.openFiles
            if let seconds = fdLimitSeconds[pid] {
                tallies[index].fdLimitSeconds = min(tallies[index].fdLimitSeconds ?? seconds, seconds)
            }
            if let soft = process.fileLimitSoft {
                let lowest = min(tallies[index].lowestLimit ?? soft, soft)
                tallies[index].lowestLimit = lowest
                if soft > 0 {
                    let ratio = Double(process.openFiles) / Double(soft)
                    tallies[index].worstRatio = max(tallies[index].worstRatio ?? ratio, ratio)
                }
            }
        }
        var seen: [Int] = []
        for socket in snapshot.sockets where socket.inode != 0 {
            seen.removeAll(keepingCapacity: true)
            for owner in snapshot.owners(of: socket) {
                guard let index = groupOf[owner.pid], !seen.contains(index) else { continue }
                seen.append(index)
                tallies[index].states[Int(socket.state.rawValue)] += 1
                tallies[index].total += 1
            }
        }
        for fd in snapshot.deadSocketFDs {
            if let index = groupOf[fd.owner.pid] { tallies[index].deadFDs += 1 }
        }
        return Array(zip(groups, tallies))
    }

    /// The top `limit` groups by sockets (then open fds, then name and pid), and the others.
    static func rankProcessTallies(
        _ entries: [ProcessEntry],
        limit: Int
    ) -> (kept: [ProcessEntry], folded: [ProcessEntry]) {
        TopK.split(entries, limit: limit) { left, right in
            (left.tally.total, left.tally.openFDs, right.group.command, right.group.pid ?? 0)
                > (right.tally.total, right.tally.openFDs, left.group.command, left.group.pid ?? 0)
        }
    }

    /// Per group: sockets by state, processes, open fds, the lowest soft limit, the worst ratio
    /// and dead socket fds, the seconds until the soonest reaches its limit (`fdLimitSeconds`,
    /// per pid); the top K groups by sockets (then open fds) and `other`.
    static func processFamilies(
        _ snapshot: Snapshot,
        fdLimitSeconds: [Int32: Double],
        limits: MetricLimits,
        folded: inout [String: Int]
    ) -> [MetricFamily] {
        let tallies = processTallies(snapshot, pidLabels: limits.pidLabels, fdLimitSeconds: fdLimitSeconds)
        let split = rankProcessTallies(tallies, limit: limits.top)
        var rows = split.kept.map { ($0.group.labels(limits.pidLabels), $0.tally) }
        if !split.folded.isEmpty {
            var other = ProcessTally()
            for entry in split.folded { other.add(entry.tally) }
            rows.append((limits.pidLabels ? [MetricCatalog.other, ""] : [MetricCatalog.other], other))
        }
        folded["tcpdoctor_process"] = split.folded.count * (states.count + 5)

        let pidLabels = limits.pidLabels
        var sockets = MetricFamily(MetricCatalog.processSockets(pidLabels: pidLabels))
        var instances = MetricFamily(MetricCatalog.processInstances(pidLabels: pidLabels))
        var openFDs = MetricFamily(MetricCatalog.processOpenFDs(pidLabels: pidLabels))
        var maxFDs = MetricFamily(MetricCatalog.processMaxFDs(pidLabels: pidLabels))
        var ratios = MetricFamily(MetricCatalog.processWorstFDRatio(pidLabels: pidLabels))
        var dead = MetricFamily(MetricCatalog.deadSocketFDs(pidLabels: pidLabels))
        var untilLimit = MetricFamily(MetricCatalog.processFDLimitSeconds(pidLabels: pidLabels))
        for (labels, tally) in rows {
            for state in states {
                sockets.samples.append(
                    MetricSample(labels + [state.netstatName], Double(tally.states[Int(state.rawValue)]))
                )
            }
            instances.samples.append(MetricSample(labels, Double(tally.instances)))
            openFDs.samples.append(MetricSample(labels, Double(tally.openFDs)))
            if let limit = tally.lowestLimit { maxFDs.samples.append(MetricSample(labels, Double(limit))) }
            if let ratio = tally.worstRatio { ratios.samples.append(MetricSample(labels, ratio)) }
            dead.samples.append(MetricSample(labels, Double(tally.deadFDs)))
            if let seconds = tally.fdLimitSeconds { untilLimit.samples.append(MetricSample(labels, seconds)) }
        }
        return [sockets, instances, openFDs, maxFDs, ratios, untilLimit, dead]
    }
}
