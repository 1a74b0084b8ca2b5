import TCPDoctorCore

/// The metric families of one snapshot, folded to the top K per family and cut at the series cap.
///
/// A pure function of the snapshot, the host facts and the findings: built once per snapshot and
/// shared by every scrape that snapshot serves.
public struct SnapshotMetrics: Sendable {
    /// The families in the order they are written, after folding and the cap.
    public var families: [MetricFamily]
    /// Series folded into `other` (or left out) past the top K, by `MetricCatalog.foldedFamilies` name.
    public var folded: [String: Int]
    /// Series left out because the exposition reached the cap.
    public var dropped: Int

    /// Series in `families`.
    public var seriesCount: Int { families.reduce(0) { $0 + $1.samples.count } }

    /// - Parameters:
    ///   - fdLimitSeconds: Per pid, the seconds until its fds reach its soft limit at the recent
    ///     pace (`FDForecaster`); a process without an entry gets no forecast.
    public init(
        _ input: DiagnosisInput,
        findings: [Finding],
        fdLimitSeconds: [Int32: Double] = [:],
        limits: MetricLimits
    ) {
        var folded: [String: Int] = [:]
        let namespaces = NamespaceLabels(input.snapshot, top: limits.top)
        folded["tcpdoctor_sockets"] = namespaces.foldedCount * TCPState.displayed.count
        // In order of what matters most when the cap cuts: the doctor, the host, processes, ports.
        var all = Self.findingFamilies(findings, limits: limits, folded: &folded)
        all += Self.hostFamilies(input.snapshot, namespaces: namespaces)
        all += Self.processFamilies(
            input.snapshot,
            fdLimitSeconds: fdLimitSeconds,
            limits: limits,
            folded: &folded
        )
        all += Self.portFamilies(input.snapshot, namespaces: namespaces, limits: limits, folded: &folded)
        all += Self.kernelCounterFamilies(input.host, namespaces: namespaces, folded: &folded)
        (families, dropped) = Self.cap(all, at: limits.maxSeries - MetricCatalog.selfSeriesCount)
        self.folded = folded
    }

    /// The families with at most `budget` samples in all, the later families cut first.
    static func cap(_ families: [MetricFamily], at budget: Int) -> (kept: [MetricFamily], dropped: Int) {
        var remaining = max(0, budget)
        var dropped = 0
        var kept: [MetricFamily] = []
        for var family in families {
            if family.samples.count > remaining {
                dropped += family.samples.count - remaining
                family.samples.removeLast(family.samples.count - remaining)
            }
            remaining -= family.samples.count
            kept.append(family)
        }
        return (kept, dropped)
    }

    /// The states in the order every family lists them.
    static let states = TCPState.displayed
}

/// The label of each namespace, the top K by sockets under their own and the rest as `other`.
struct NamespaceLabels {
    /// Kept namespaces by inode, heaviest first, with their labels.
    let kept: [(inode: UInt64, label: String)]
    private let labels: [UInt64: String]
    let foldedCount: Int

    init(_ snapshot: Snapshot, top: Int) {
        var counts: [UInt64: Int] = [:]
        for namespace in snapshot.namespaces { counts[namespace.inode] = 0 }
        for socket in snapshot.sockets { counts[socket.netns, default: 0] += 1 }
        let split = TopK.split(Array(counts.keys), limit: top) { left, right in
            (counts[left, default: 0], right) > (counts[right, default: 0], left)
        }
        kept = split.kept.map { ($0, snapshot.namespace($0)?.label ?? String($0)) }
        var labels: [UInt64: String] = [:]
        for (inode, label) in kept { labels[inode] = label }
        self.labels = labels
        foldedCount = split.folded.count
    }

    /// The label of the namespace with this inode: its own, or `other` past the top K.
    func label(_ inode: UInt64) -> String { labels[inode] ?? MetricCatalog.other }

    func isKept(_ inode: UInt64) -> Bool { labels[inode] != nil }
}
