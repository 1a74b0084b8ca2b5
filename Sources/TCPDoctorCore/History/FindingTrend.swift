/// What the recorded history says of one live finding: how its size moved, since when it has
/// been recorded, and when its process's fds reach their soft limit.
///
/// Built from the finding's recorded sizes (its `count` evidence, sample by sample, under the
/// same finding id) and its process's recorded fd counts, both restricted to the process as it
/// runs now (its pid and start time: a reused pid is another process), by `assess`.
public struct FindingTrend: Sendable, Equatable {
    /// The finding's id, as in the live report.
    public var findingID: String
    /// The trend of the finding's size over the fit window.
    public var size: Trend
    /// The first sample of the current unbroken run of samples that recorded the finding
    /// (a gap longer than `TimeSeries.defaultMaxGap`, or the clock going back, starts a new run).
    public var recordedSince: Double?
    /// The latest sample that recorded it.
    public var recordedUntil: Double?
    /// The process whose fds are forecast, and the trend of its fd count towards its soft limit.
    public var pid: Int32?
    public var fds: Trend?
    public var fdSoftLimit: Int64?

    public init(
        findingID: String,
        size: Trend,
        recordedSince: Double?,
        recordedUntil: Double?,
        pid: Int32? = nil,
        fds: Trend? = nil,
        fdSoftLimit: Int64? = nil
    ) {
        self.findingID = findingID
        self.size = size
        self.recordedSince = recordedSince
        self.recordedUntil = recordedUntil
        self.pid = pid
        self.fds = fds
        self.fdSoftLimit = fdSoftLimit
    }

    /// Fits the finding's recorded sizes and its process's fds.
    ///
    /// - Parameters:
    ///   - sizes: The finding's size per sample that recorded it, in the order written.
    ///   - fds: The process's open fds per sample, in the order written; empty without a process.
    ///   - fdSoftLimit: Its RLIMIT_NOFILE soft limit, when known (nil: unlimited or unknown).
    public static func assess(
        findingID: String,
        sizes: [TimePoint],
        pid: Int32? = nil,
        fds: [TimePoint] = [],
        fdSoftLimit: Int64? = nil,
        options: TrendOptions = TrendOptions()
    ) -> FindingTrend {
        let series = TimeSeries(sizes)
        let fdTrend =
            fds.isEmpty
            ? nil : TrendAnalysis.trend(of: TimeSeries(fds), limit: fdSoftLimit.map(Double.init), options: options)
        return FindingTrend(
            findingID: findingID,
            size: TrendAnalysis.trend(of: series, options: options),
            recordedSince: series.current.first?.time,
            recordedUntil: series.current.last?.time,
            pid: pid,
            fds: fdTrend,
            fdSoftLimit: fdSoftLimit
        )
    }

    /// Seconds the finding has been recorded, up to `now`; nil when it never was.
    public func recordedAge(now: Double) -> Double? { recordedSince.map { max(0, now - $0) } }

    /// One line for people: "growing since 13:07 UTC, 1 h 45 min, at +38 sockets/min (linear fit
    /// over the last 45 min, r² 0.98); at +12 fds/min pid 4121 reaches its fd soft limit 20000 in
    /// about 41 min (14:52 UTC)"; "recorded since ..." with too few samples for a trend.
    public func sentence(now: Double, unit: String = "sockets", unicode: Bool = true) -> String {
        var parts: [String] = []
        if let fit = size.fit, size.kind == .growing {
            parts.append(
                TrendText.ageSentence(size, unit: unit, unicode: unicode) + ", at "
                    + TrendText.rate(fit, unit: unit, unicode: unicode)
            )
        } else if size.fit != nil {
            parts.append(TrendText.ageSentence(size, unit: unit, unicode: unicode))
        }
        if let since = recordedSince {
            let recorded = "recorded since \(TrendText.utc(since, relativeTo: now)), \(TrendText.duration(now - since))"
            if size.fit == nil {
                parts.append(recorded + "; " + TrendText.ageSentence(size, unit: unit, unicode: unicode))
            } else if size.kind != .growing {
                parts.append(recorded)
            }
        }
        if let fds, let pid,
            let forecast = TrendText.forecastSentence(
                fds,
                unit: "fds",
                subject: "pid \(pid)",
                limitName: "its fd soft limit",
                unicode: unicode
            )
        {
            parts.append(forecast)
        } else if pid != nil, fdSoftLimit == nil, fds?.kind == .growing {
            parts.append("no fd forecast: the process has no fd soft limit")
        }
        return parts.joined(separator: "; ")
    }
}

extension FindingTrend {
    /// Where an age came from: the history (the finding was recorded since then) or tcp_info's
    /// estimate (the time since the peer last sent data, for CLOSE_WAIT).
    public enum AgeSource: String, Sendable {
        case history
        case tcpInfo = "tcp_info"
    }

    /// The evidence keys of tcp_info's age estimate, which a recorded age replaces.
    public static let estimatedAgeKeys: Set<String> = ["oldest_age_seconds_estimate", "median_age_seconds_estimate"]

    /// How long the finding's pile has been there: from the history when it recorded the finding
    /// (`trend`), else tcp_info's estimate when the rule made one; nil when neither knows.
    public static func age(
        of finding: Finding,
        trend: FindingTrend?,
        now: Double
    ) -> (seconds: Double, source: AgeSource)? {
        if let seconds = trend?.recordedAge(now: now) { return (seconds, .history) }
        for field in finding.evidence where field.key == "oldest_age_seconds_estimate" {
            if case .integer(let seconds) = field.value { return (Double(seconds), .tcpInfo) }
        }
        return nil
    }

    /// The history line of a live finding: `sentence`, and when the rule also estimated the age
    /// from tcp_info, which of the two the report uses.
    public func line(for finding: Finding, now: Double, unicode: Bool = true) -> String {
        var line = sentence(now: now, unicode: unicode)
        if let age = recordedAge(now: now),
            let estimate = finding.evidence.first(where: { $0.key == "oldest_age_seconds_estimate" }),
            case .integer(let seconds) = estimate.value
        {
            line +=
                "; its age, \(TrendText.duration(age)) from the history, replaces tcp_info's estimate ("
                + TrendText.duration(Double(seconds)) + ")"
        }
        return line
    }
}
