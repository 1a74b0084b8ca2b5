import Glibc

/// Waits for report lines from several role processes at once.
///
/// Waiting on all of them together matters: when one role fails (its `error` line, or its exit),
/// the others may wait forever for it, so the first failure anywhere ends the wait at once.
enum LabReportWaiter {
    /// Waits until every child in `children` has printed a line starting with `keyword`.
    ///
    /// - Returns: each child's report, in the order of `children`.
    /// - Throws: `LabError.Code.roleFailed` for an `error` line or an exit, `.timedOut` at
    ///   `timeout`.
    static func wait(
        for keyword: String,
        from children: [LabChild],
        timeout: Duration
    ) throws(LabError) -> [LabReport] {
        let deadline = ContinuousClock.now + timeout
        var reports: [LabReport?] = Array(repeating: nil, count: children.count)
        var ended = Array(repeating: false, count: children.count)
        while true {
            for (index, child) in children.enumerated() where reports[index] == nil {
                while reports[index] == nil, let line = child.takeLine() {
                    let report = LabReport(line: line)
                    if report.keyword == "error" {
                        throw LabError(
                            .roleFailed,
                            "the \(child.role.rawValue) (\(child.command), pid \(child.pid)) failed: \(report.text)"
                        )
                    }
                    if report.keyword == keyword { reports[index] = report }
                }
                if reports[index] == nil && ended[index] {
                    throw LabError(
                        .roleFailed,
                        "the \(child.role.rawValue) (\(child.command), pid \(child.pid)) exited before it was \(keyword)"
                    )
                }
            }
            let waiting = children.indices.filter { reports[$0] == nil }
            if waiting.isEmpty { return reports.compactMap { $0 } }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                let names = waiting.map { "\(children[$0].command) (pid \(children[$0].pid))" }.joined(separator: ", ")
                throw LabError(.timedOut, "no '\(keyword)' report from \(names) within \(timeout)")
            }
            let milliseconds =
                remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
            let revents = try LabSystem.poll(
                waiting.map { children[$0].reportDescriptor },
                events: Int16(POLLIN),
                timeout: Int32(clamping: max(milliseconds, 1))
            )
            for (slot, index) in waiting.enumerated() where revents[slot] != 0 {
                if try !children[index].readAvailable() { ended[index] = true }
            }
        }
    }
}
