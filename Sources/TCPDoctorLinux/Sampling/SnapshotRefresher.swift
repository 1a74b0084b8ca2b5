import TCPDoctorCore
import TCPDoctorSystem

/// Takes snapshot after snapshot of one request: the refresh behind `watch`, `record` and `serve`.
///
/// Each refresh dumps the sockets again (cheap, in the kernel); what costs is the owner walk, so
/// the refresher says per refresh whether it walked every process (`Kind.full`) and why.
public final class SnapshotRefresher {
    /// How a refresh found the owners.
    public enum Kind: Hashable, Sendable {
        /// Every process's fds were walked, for the reason given.
        case full(FullReason)
        /// Only what could have changed since the previous refresh was read again.
        case incremental
    }

    /// Why a refresh walked every process.
    public enum FullReason: String, Hashable, Sendable {
        /// The first refresh knows nothing yet.
        case first
        /// The fixed period between full walks ran out.
        case period
        /// The books did not balance: sockets that no known owner explains, or fds that vanished.
        case unbalanced
        /// Owners were not asked for, or the kernel gives no cheap fd count (before Linux 6.2).
        case noShortcut = "no-shortcut"
    }

    /// What one refresh did and cost.
    public struct Statistics: Hashable, Sendable {
        public var kind: Kind
        /// Processes whose fds were read in this refresh (all of them for a full walk).
        public var processesRead: Int
        /// Sockets with an open file whose owner this refresh could not name.
        public var socketsUnattributed: Int
        /// Seconds of this process's CPU the refresh used.
        public var cpuSeconds: Double
        /// Seconds of the monotonic clock the refresh took.
        public var wallSeconds: Double

        public init(kind: Kind, processesRead: Int, socketsUnattributed: Int, cpuSeconds: Double, wallSeconds: Double) {
            self.kind = kind
            self.processesRead = processesRead
            self.socketsUnattributed = socketsUnattributed
            self.cpuSeconds = cpuSeconds
            self.wallSeconds = wallSeconds
        }
    }

    /// What every refresh reads.
    public let request: SnapshotRequest
    /// The longest time between two full walks, whatever the books say.
    public let fullRefreshPeriod: Duration
    /// The last refresh's statistics; nil before the first.
    public private(set) var statistics: Statistics?

    private var lastFullWalk: Double?
    /// The last snapshot's sockets, room for which the next dump reserves.
    private var lastSocketCount = 0
    private let book = OwnerBook()

    public init(_ request: SnapshotRequest, fullRefreshPeriod: Duration = .seconds(60)) {
        self.request = request
        self.fullRefreshPeriod = fullRefreshPeriod
    }

    /// Reads the namespaces again: the snapshot, and what the refresh did and cost.
    ///
    /// - Throws: `LinuxError` as `SnapshotReader.read` does.
    public func refresh(in locations: [NamespaceLocation]) throws(LinuxError) -> (Snapshot, Statistics) {
        let (cpu, wall) = (systemProcessCPUSeconds(), systemMonotonicSeconds())
        let kind = nextKind(now: wall)
        let source = kind == .incremental ? book.incremental : book.full
        var request = request
        request.socketCapacity = lastSocketCount + lastSocketCount / 16
        let snapshot = try SnapshotReader.read(request, in: locations, faults: [:], owners: source)
        lastSocketCount = snapshot.sockets.count
        if case .full = kind { lastFullWalk = wall }
        let statistics = Statistics(
            kind: kind,
            processesRead: book.processesWalked,
            socketsUnattributed: snapshot.coverage.socketsUnattributed,
            cpuSeconds: systemProcessCPUSeconds() - cpu,
            wallSeconds: systemMonotonicSeconds() - wall
        )
        self.statistics = statistics
        return (snapshot, statistics)
    }

    /// Full or incremental, and why.
    private func nextKind(now: Double) -> Kind {
        guard let lastFullWalk else { return .full(.first) }
        guard request.includeOwners, book.countsFromStat == true else { return .full(.noShortcut) }
        if book.unbalanced { return .full(.unbalanced) }
        if now - lastFullWalk >= fullRefreshPeriod / .seconds(1) { return .full(.period) }
        return .incremental
    }
}
