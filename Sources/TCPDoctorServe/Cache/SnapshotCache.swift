import Dispatch
import Synchronization
import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorSystem

/// One snapshot as serve keeps it: the sample (or why there is none) and its metric families.
public struct CachedSnapshot: Sendable {
    /// The sample, or the error that kept the system from being read.
    public var sample: Result<Sample, LinuxError>
    /// The sample's metric families; nil when there is no sample.
    public var metrics: SnapshotMetrics?
    /// Monotonic seconds when the refresh began: the cache period counts from here.
    public var startedAt: Double
    /// Wall-clock seconds the refresh took, failed ones too.
    public var wallSeconds: Double
}

/// The snapshot every request shares: at most one per `minimumInterval`, and one refresh at a
/// time whatever the number of requests (single flight).
///
/// A request that finds the latest snapshot younger than the interval gets it at once; one that
/// finds it older starts a refresh, and every request that comes while it runs waits for that
/// same refresh. Refreshes run on a Dispatch queue of their own, never on the event loops or the
/// concurrency pool that answer requests: on a loaded host a snapshot takes a second.
public final class SnapshotCache: Sendable {
    /// Counters over the life of the server, for the self-metrics.
    public struct Statistics: Hashable, Sendable {
        /// Snapshots taken (refreshes begun and ended, failed ones too).
        public var snapshots = 0
        /// Requests of /metrics answered.
        public var scrapes = 0
        /// Requests of /metrics answered without snapshot data.
        public var scrapeErrors = 0
        /// Series left out by the cap, over every snapshot.
        public var seriesDropped = 0
        /// Series folded past the top K, over every snapshot, by family.
        public var seriesFolded: [String: Int] = [:]
        /// Samples `serve --record` wrote into the history database.
        public var recordedSamples = 0
        /// Samples it could not write.
        public var recordErrors = 0
    }

    private struct State {
        var latest: CachedSnapshot?
        var waiters: [CheckedContinuation<CachedSnapshot, Never>] = []
        var refreshing = false
        var statistics = Statistics()
        var timeline: ServeTimeline
    }

    /// Seconds a snapshot serves before a request causes the next one.
    public let minimumInterval: Double
    public let limits: MetricLimits
    private let take: @Sendable () -> Result<Sample, LinuxError>
    private let queue = DispatchQueue(label: "tcpdoctor.serve.snapshot")
    private let state: Mutex<State>
    /// Process groups per timeline point, fixed for the cache's life.
    private let timelineGroups: Int
    /// Each process's recent fds, for `tcpdoctor_process_fd_limit_seconds`; used by `refresh` only.
    private let forecaster: Mutex<FDForecaster>

    /// - Parameters:
    ///   - minimumInterval: Seconds a snapshot serves; 0 refreshes for every request (still one at a time).
    ///   - limits: The bounds of the metric families.
    ///   - trend: The fit behind `tcpdoctor_process_fd_limit_seconds` (its window: one hour).
    ///   - timeline: The empty timeline every refresh adds a point to (its capacity and groups per point).
    ///   - take: Takes one sample; called on the cache's queue, one call at a time.
    public init(
        minimumInterval: Double,
        limits: MetricLimits,
        trend: TrendOptions = TrendOptions(),
        timeline: ServeTimeline = ServeTimeline(),
        take: @escaping @Sendable () -> Result<Sample, LinuxError>
    ) {
        self.minimumInterval = minimumInterval
        self.limits = limits
        self.take = take
        forecaster = Mutex(FDForecaster(options: trend))
        self.timelineGroups = timeline.groupsPerPoint
        self.state = Mutex(State(timeline: timeline))
    }

    /// A cache over the one sampling loop of `watch` and `record` (`Sampler`): incremental owner
    /// walks between full ones, host facts, the doctor.
    public convenience init(
        minimumInterval: Double,
        limits: MetricLimits,
        trend: TrendOptions = TrendOptions(),
        namespaces: SnapshotRequest.Namespaces
    ) {
        let sampler = SamplerBox(Sampler(namespaces: namespaces))
        self.init(minimumInterval: minimumInterval, limits: limits, trend: trend) {
            Result { () throws(LinuxError) -> Sample in try sampler.sampler.sample() }
        }
    }

    /// The current snapshot: the latest if it is younger than the interval, else the next one.
    public func current() async -> CachedSnapshot {
        await withCheckedContinuation { continuation in
            enum Next {
                case ready(CachedSnapshot)
                case wait
                case refresh
            }
            let next = state.withLock { state -> Next in
                if let latest = state.latest, systemMonotonicSeconds() - latest.startedAt < minimumInterval {
                    return .ready(latest)
                }
                state.waiters.append(continuation)
                if state.refreshing { return .wait }
                state.refreshing = true
                return .refresh
            }
            switch next {
            case .ready(let snapshot): continuation.resume(returning: snapshot)
            case .wait: break
            case .refresh: queue.async { self.refresh() }
            }
        }
    }

    /// The snapshot for a scrape of /metrics, counted as one (and as an error without data).
    public func scrape() async -> (CachedSnapshot, Statistics) {
        let snapshot = await current()
        let statistics = state.withLock { state in
            state.statistics.scrapes += 1
            if snapshot.metrics == nil { state.statistics.scrapeErrors += 1 }
            return state.statistics
        }
        return (snapshot, statistics)
    }

    /// Counts a sample `ServeRecorder` wrote, or failed to write.
    func countRecorded(failed: Bool) {
        state.withLock { state in
            if failed { state.statistics.recordErrors += 1 } else { state.statistics.recordedSamples += 1 }
        }
    }

    /// Whether a snapshot is held: from a refresh until its period is over (then it is dropped).
    public var isHoldingSnapshot: Bool { state.withLock { $0.latest != nil } }

    /// The counters so far.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// The timeline's points taken after `time` (all of them for nil), oldest first, and its bounds.
    ///
    /// Copied under the lock (the points share their arrays: no counts are copied) and written
    /// by the caller outside it.
    public func timeline(after time: Double? = nil) -> (points: [ServeTimeline.Point], capacity: Int, groups: Int) {
        state.withLock { state in
            let timeline = state.timeline
            return (
                time.map { timeline.points(after: $0) } ?? timeline.points, timeline.capacity, timeline.groupsPerPoint
            )
        }
    }

    private func refresh() {
        let started = systemMonotonicSeconds()
        let sample = take()
        let metrics = try? sample.map { sample in
            let processes = sample.input.snapshot.processes
            let untilLimit = forecaster.withLock { $0.update(processes, at: sample.takenAt) }
            return SnapshotMetrics(sample.input, findings: sample.findings, fdLimitSeconds: untilLimit, limits: limits)
        }.get()
        // Built here, on the cache's queue, so that the lock is held only to append it.
        let point: ServeTimeline.Point
        switch sample {
        case .success(let sample):
            point = ServeTimeline.point(
                sample.input.snapshot,
                groupsPerPoint: timelineGroups,
                pidLabels: limits.pidLabels
            )
        case .failure:
            point = ServeTimeline.failure(at: systemWallClockSeconds())
        }
        let snapshot = CachedSnapshot(
            sample: sample,
            metrics: metrics,
            startedAt: started,
            wallSeconds: systemMonotonicSeconds() - started
        )
        let waiters = state.withLock { state in
            state.latest = snapshot
            state.refreshing = false
            state.statistics.snapshots += 1
            state.timeline.append(point)
            if let metrics {
                state.statistics.seriesDropped += metrics.dropped
                for (family, count) in metrics.folded { state.statistics.seriesFolded[family, default: 0] += count }
            }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: snapshot) }
        // Past its period the snapshot serves nobody (the next request takes a new one): it is
        // dropped then, and its memory given back, so that an idle serve holds only the owner
        // books that keep the next refresh cheap, not 200k sockets.
        queue.asyncAfter(deadline: .now() + max(0, minimumInterval)) { [weak self] in
            self?.dropIfStale(startedAt: started)
        }
    }

    /// Drops the latest snapshot if it is still the one that began at `startedAt` and no
    /// refresh is running; returns the freed memory to the kernel.
    private func dropIfStale(startedAt: Double) {
        let dropped = state.withLock { state -> Bool in
            guard let latest = state.latest, latest.startedAt == startedAt, !state.refreshing else { return false }
            state.latest = nil
            return true
        }
        if dropped { _ = systemReturnFreeMemory() }
    }
}

/// `@unchecked Sendable`: the sampler is used only on the cache's serial queue, one refresh at a time.
private final class SamplerBox: @unchecked Sendable {
    let sampler: Sampler
    init(_ sampler: Sampler) { self.sampler = sampler }
}
