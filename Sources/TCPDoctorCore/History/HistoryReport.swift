/// What `tcpdoctor history` says about a time range: per group that changed, the trend of each
/// state that changed, when its pile started, how fast it grows and when its process runs out of
/// file descriptors.
///
/// A pure function of the recorded samples, so that the whole judgement is tested without a
/// database. Groups whose counts never changed in the range are left out and counted.
public struct HistoryReport: Sendable {
    /// What a group counts: the sockets of one namespace, process and place.
    public struct Group: Hashable, Sendable {
        public var netns: UInt64
        /// Nil for sockets no process held.
        public var pid: Int32?
        /// Clock ticks after boot; nil when unknown or without a process.
        public var startTime: UInt64?
        public var command: String?
        /// `port` (a local port that listens) or `peer` (a remote address).
        public var placeKind: String
        public var place: String

        public init(
            netns: UInt64,
            pid: Int32?,
            startTime: UInt64?,
            command: String?,
            placeKind: String,
            place: String
        ) {
            (self.netns, self.pid, self.startTime, self.command) = (netns, pid, startTime, command)
            (self.placeKind, self.place) = (placeKind, place)
        }
    }

    /// One recorded sample of a group.
    public struct Sample: Hashable, Sendable {
        /// Seconds since the Unix epoch (wall clock, as recorded).
        public var time: Double
        public var counts: StateCounts
        /// Open fds of the group's process and its RLIMIT_NOFILE soft limit, when known.
        public var fds: Int64?
        public var fdSoftLimit: Int64?

        public init(time: Double, counts: StateCounts, fds: Int64? = nil, fdSoftLimit: Int64? = nil) {
            (self.time, self.counts, self.fds, self.fdSoftLimit) = (time, counts, fds, fdSoftLimit)
        }
    }

    /// One group's samples, with where their segments start when they were merged into buckets.
    public struct Entry: Sendable {
        public var group: Group
        /// In recorded order.
        public var samples: [Sample]
        /// Indices into `samples` where a segment of the counts starts, as found on the samples
        /// before they were merged (a bucket never spans a break); nil to find them from the
        /// times (`TimeSeries`), as for samples as recorded.
        public var segmentStarts: [Int]?
        /// Indices into `samples` where a segment of the fd counts starts (among the samples that
        /// carry one); nil to find them from the times.
        public var fdSegmentStarts: [Int]?

        public init(group: Group, samples: [Sample], segmentStarts: [Int]? = nil, fdSegmentStarts: [Int]? = nil) {
            (self.group, self.samples) = (group, samples)
            (self.segmentStarts, self.fdSegmentStarts) = (segmentStarts, fdSegmentStarts)
        }
    }

    /// Why a state has no forecast.
    public enum NoForecastReason: String, Sendable, Equatable {
        /// Fewer samples in the window than a fit needs.
        case tooFewSamples = "too_few_samples"
        /// The state is steady or draining: nothing runs out.
        case notGrowing = "not_growing"
        /// The sockets hold no fd (TIME_WAIT, or no process owns them), so no fd limit applies.
        case holdsNoFDs = "holds_no_fds"
        /// The process' fd soft limit was not recorded.
        case noLimit = "no_limit"
        /// The process already holds as many fds as its soft limit allows.
        case limitReached = "limit_reached"
        /// The state grows but the process' fd count does not.
        case fdsNotGrowing = "fds_not_growing"
        /// The fd count's linear fit explains too little of its variance (r² below the minimum).
        case poorFit = "poor_fit"
    }

    /// The trend of one state of one group.
    public struct StateReport: Sendable {
        public var state: TCPState
        /// The counts in recorded order, split at clock jumps.
        public var series: TimeSeries
        /// The state's own trend (no limit): kind, fit, first seen.
        public var trend: Trend
        /// When the fd count reaches the soft limit, from the fd count's fit; nil with `noForecastReason`.
        public var forecast: Forecast?
        public var noForecastReason: NoForecastReason?
        /// The trend of the process' fd count the forecast was made from, when one was fitted.
        public var fdTrend: Trend?

        public var kind: TrendKind { trend.kind }
        /// When the current pile started (growing states only).
        public var firstSeen: Double? { trend.firstSeen }
        public var ratePerMinute: Double? { trend.ratePerMinute }
    }

    /// One group that changed, with the states that changed.
    public struct GroupReport: Sendable {
        public var group: Group
        public var states: [StateReport]
        /// The process' open fds in recorded order; empty without a process.
        public var fds: TimeSeries
        /// The latest soft limit recorded.
        public var fdSoftLimit: Int64?
    }

    /// The range asked for, seconds since the Unix epoch.
    public var since: Double
    public var until: Double
    public var groups: [GroupReport]
    /// Groups with samples in the range whose counts never changed.
    public var skippedFlat: Int
    public var options: TrendOptions

    /// Judges every group's samples.
    ///
    /// A state counts as changed when its count is not the same in every sample of the range.
    /// Each changed state is fitted on its own; a growing state of sockets that hold fds (any
    /// state but TIME_WAIT, in a group with a process) is forecast through the process' fd count
    /// towards its soft limit, since that is the limit a leak runs into ("Too many open files").
    ///
    /// - Parameters:
    ///   - groups: Each group with its samples in recorded order (never re-sorted, so that a clock
    ///     that went back splits the series instead of folding it).
    ///   - options: The fit window and thresholds.
    ///   - unchangedGroups: Groups already known not to have changed (not passed in `groups`),
    ///     counted in `skippedFlat`.
    public init(
        groups: [(group: Group, samples: [Sample])],
        since: Double,
        until: Double,
        options: TrendOptions = TrendOptions(),
        unchangedGroups: Int = 0
    ) {
        self.init(
            entries: groups.map { Entry(group: $0.group, samples: $0.samples) },
            since: since,
            until: until,
            options: options,
            unchangedGroups: unchangedGroups
        )
    }

    /// Judges every group's samples, as `init(groups:since:until:options:unchangedGroups:)`, with
    /// the segment starts of samples merged into buckets carried in (`Entry`).
    public init(
        entries: [Entry],
        since: Double,
        until: Double,
        options: TrendOptions = TrendOptions(),
        unchangedGroups: Int = 0
    ) {
        self.since = since
        self.until = until
        self.options = options
        var reports: [GroupReport] = []
        var flat = unchangedGroups
        for entry in entries where !entry.samples.isEmpty {
            let report = Self.judge(entry, options: options)
            if report.states.isEmpty { flat += 1 } else { reports.append(report) }
        }
        self.groups = reports
        self.skippedFlat = flat
    }

    private static func judge(_ entry: Entry, options: TrendOptions) -> GroupReport {
        let (group, samples) = (entry.group, entry.samples)
        var fdPoints: [TimePoint] = []
        var fdStarts: [Int] = []
        var nextStart = entry.fdSegmentStarts.map { $0.makeIterator() }
        var start = nextStart?.next()
        for (index, sample) in samples.enumerated() {
            while let candidate = start, candidate < index { start = nextStart?.next() }
            guard let fds = sample.fds else { continue }
            if start == index { fdStarts.append(fdPoints.count) }
            fdPoints.append(TimePoint(time: sample.time, value: Double(fds)))
        }
        let fds = entry.fdSegmentStarts == nil ? TimeSeries(fdPoints) : TimeSeries(fdPoints, segmentStarts: fdStarts)
        let limit = samples.last(where: { $0.fdSoftLimit != nil })?.fdSoftLimit
        var fdTrend: Trend?
        var states: [StateReport] = []
        for (index, state) in StateCounts.states.enumerated() {
            let first = samples[0].counts.values[index]
            guard samples.contains(where: { $0.counts.values[index] != first }) else { continue }
            let points = samples.map { TimePoint(time: $0.time, value: Double($0.counts.values[index])) }
            let series = entry.segmentStarts.map { TimeSeries(points, segmentStarts: $0) } ?? TimeSeries(points)
            let trend = TrendAnalysis.trend(of: series, options: options)
            var report = StateReport(state: state, series: series, trend: trend)
            switch trend.kind {
            case .tooFewSamples: report.noForecastReason = .tooFewSamples
            case .steady, .draining: report.noForecastReason = .notGrowing
            case .growing:
                guard group.pid != nil, state != .timeWait else {
                    report.noForecastReason = .holdsNoFDs
                    break
                }
                let trend =
                    fdTrend ?? TrendAnalysis.trend(of: fds, limit: limit.map(Double.init), options: options)
                fdTrend = trend
                report.fdTrend = trend
                report.forecast = trend.forecast
                report.noForecastReason = trend.forecast == nil ? Self.reason(trend.noForecastReason) : nil
            }
            states.append(report)
        }
        return GroupReport(group: group, states: states, fds: fds, fdSoftLimit: limit)
    }

    private static func reason(_ reason: TCPDoctorCore.NoForecastReason?) -> NoForecastReason {
        switch reason {
        case .tooFewSamples, nil: .tooFewSamples
        case .noLimit: .noLimit
        case .limitReached: .limitReached
        case .slopeNotPositive: .fdsNotGrowing
        case .poorFit: .poorFit
        }
    }
}
