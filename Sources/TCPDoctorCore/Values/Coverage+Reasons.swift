extension Coverage {
    /// One sentence per gap in what the snapshot saw, for people and for JSON's `reasons`.
    ///
    /// Empty when everything was seen. Each sentence says what to do about the gap.
    public var reasons: [String] {
        var reasons: [String] = []
        for problem in namespaceProblems {
            reasons.append("network namespace \(problem.namespace) was not read: \(problem.reason)")
        }
        if source == .procfs {
            let labels = namespaceSources.filter { $0.source == .procfs }.map(\.label)
            let more = labels.count > 5 ? " and \(labels.count - 5) more" : ""
            let listed = labels.prefix(5).joined(separator: ", ") + more
            let which =
                labels.isEmpty
                ? "sockets were"
                : "the sockets of network namespace\(labels.count == 1 ? "" : "s") \(listed) were"
            reasons.append(
                "\(which) read from /proc/net/tcp and /proc/net/tcp6, as netlink sock_diag was not supported or not wanted (slower; no tcp_info, cookie or shutdown state)"
            )
        }
        guard ownersScanned else { return reasons + notes }
        if !processesUnreadable.isEmpty {
            let sample = processesUnreadable.prefix(3).map { process in
                "\(process.pid)" + (process.command.map { " (\($0))" } ?? "")
            }
            let more = processesUnreadable.count > 3 ? " and \(processesUnreadable.count - 3) more" : ""
            let why = Set(processesUnreadable.map(\.reason)).sorted().joined(separator: ", ")
            let plural = processesUnreadable.count == 1 ? "process" : "processes"
            let advice =
                privileged
                ? "even root may not read processes protected by the kernel or another user namespace"
                : "run as root to see their sockets"
            reasons.append(
                "\(processesUnreadable.count) \(plural) could not be inspected (\(why)): pid \(sample.joined(separator: ", "))\(more); \(advice)"
            )
        }
        if socketsUnattributed > 0 {
            let plural = socketsUnattributed == 1 ? "socket has" : "sockets have"
            let hint =
                processesUnreadable.isEmpty
                ? "the holder may have exited during the scan"
                : "they may belong to the processes that could not be inspected"
            reasons.append("\(socketsUnattributed) \(plural) an open file but no visible owner: \(hint)")
        }
        return reasons + notes
    }
}
