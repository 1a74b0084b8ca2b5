/// How long the history keeps its samples, at which resolutions, and how large it may grow.
///
/// Levels go from finest to coarsest. Samples older than a level's `keep` are merged into the
/// next level's buckets (each bucket keeps, per group, the last counts and the maximum of each)
/// and then deleted; the last level's are deleted. The size cap deletes the oldest samples first
/// whatever their age.
public struct HistoryRetention: Hashable, Sendable {
    /// One resolution and how long it is kept.
    public struct Level: Hashable, Sendable {
        /// Seconds per bucket; 0 keeps every sample as taken.
        public var resolution: Int
        /// Seconds a sample is kept at this resolution, counted from its time.
        public var keep: Double

        public init(resolution: Int, keep: Double) {
            self.resolution = resolution
            self.keep = keep
        }

        /// Seconds between two keyframes of the level: samples that store every group in full,
        /// where reading (and deleting) can start. A keyframe per 360 samples of the level, at
        /// least one an hour.
        var keyframePeriod: Double { Double(max(3600, resolution * 360)) }
    }

    /// Finest first: the first level keeps every sample.
    public var levels: [Level]
    /// The most bytes the database may hold; nil for no cap.
    public var maxBytes: Int64?

    /// Every sample for 48 h, 1-minute buckets for 14 days, 10-minute buckets for 400 days; 1 GiB.
    public static let standard = HistoryRetention(
        levels: [
            Level(resolution: 0, keep: 48 * 3600),
            Level(resolution: 60, keep: 14 * 86400),
            Level(resolution: 600, keep: 400 * 86400),
        ],
        maxBytes: 1 << 30
    )

    public init(levels: [Level], maxBytes: Int64?) {
        self.levels = levels
        self.maxBytes = maxBytes
    }

    /// Parses `raw:48h,1m:14d,10m:400d`: resolution (`raw` or a duration) and age, finest first.
    ///
    /// - Throws: A message naming the part that is wrong, for the command to show.
    public static func parseLevels(_ text: String) throws(HistoryRetentionError) -> [Level] {
        var levels: [Level] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count == 2 else {
                throw HistoryRetentionError("'\(part)' is not RESOLUTION:AGE (such as 1m:14d)")
            }
            let resolution: Int
            if pieces[0] == "raw" {
                resolution = 0
            } else if let seconds = parseDuration(String(pieces[0])), seconds >= 1, seconds == seconds.rounded() {
                resolution = Int(seconds)
            } else {
                throw HistoryRetentionError(
                    "'\(pieces[0])' is not a resolution (raw, or whole seconds such as 60s, 1m, 10m)"
                )
            }
            guard let keep = parseDuration(String(pieces[1])), keep > 0 else {
                throw HistoryRetentionError("'\(pieces[1])' is not an age (such as 48h or 400d)")
            }
            if let previous = levels.last {
                guard resolution > previous.resolution else {
                    throw HistoryRetentionError("resolutions must grow from one level to the next ('\(part)')")
                }
                guard previous.resolution == 0 || resolution % previous.resolution == 0 else {
                    throw HistoryRetentionError("'\(part)': a resolution must be a multiple of the one before")
                }
            }
            levels.append(Level(resolution: resolution, keep: keep))
        }
        guard levels.first?.resolution == 0 else {
            throw HistoryRetentionError("the first level must be raw (every sample), such as raw:48h")
        }
        return levels
    }

    /// Parses a size such as `500M`, `2G`, `64k` or a number of bytes.
    public static func parseSize(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text)
        var scale: Int64 = 1
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits = digits.dropLast()
        }
        guard let value = Int64(digits), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }

    /// Parses `90s`, `10m`, `48h`, `14d` or a plain number of seconds.
    public static func parseDuration(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var scale = 1.0
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits = digits.dropLast()
        }
        guard let value = Double(digits), value.isFinite, value >= 0 else { return nil }
        return value * scale
    }
}

/// A `--retention` value that could not be parsed.
public struct HistoryRetentionError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
