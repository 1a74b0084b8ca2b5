/// A one-line chart of a series in block characters (`▁▂▃▄▅▆▇█`), fitted to a width.
///
/// Each segment of the series (see `TimeSeries`: a run free of clock jumps and long gaps) gets
/// columns in proportion to the time it spans, at least one, and segments are separated by
/// `breakMark`: a clock that went back or a recorder that was stopped shows as a break, never as
/// a slope. Within a segment a column shows the largest value of the points that fall in it
/// (so that a spike between two samples of a column is not lost) and a column without a point
/// repeats the column before it, since the count held until the next sample.
public struct Sparkline: Sendable, Equatable {
    /// The eight levels, lowest first.
    public static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// The column between two segments.
    public static let breakMark: Character = "┊"

    /// The chart, exactly `width` characters when the series has points (fewer when it has
    /// fewer points than segments would need), empty without points.
    public let text: String
    /// The values of the lowest and the highest level; nil without points.
    public let minimum: Double?
    public let maximum: Double?
    /// The times of the first and last point drawn.
    public let start: Double?
    public let end: Double?
    /// Breaks drawn between segments.
    public let breaks: Int

    /// Draws `series` in `width` columns.
    ///
    /// When there are more segments than fit (each needs a column and a break), only the latest
    /// ones that fit are drawn.
    ///
    /// - Parameter baseline: The value of the lowest level when the series stays above it (0 for
    ///   counts, so that a steady pile of 40 with a little noise draws level rather than as
    ///   swings between the lowest and highest level); nil to scale from the smallest value.
    public init(_ series: TimeSeries, width: Int, baseline: Double? = nil) {
        let all = series.segments.filter { !$0.isEmpty }
        let fitting = max(1, (max(width, 1) + 1) / 2)
        let segments = Array(all.suffix(fitting))
        let values = segments.flatMap { $0.map(\.value) }
        guard width > 0, let smallest = values.min(), let high = values.max() else {
            (text, minimum, maximum, start, end, breaks) = ("", nil, nil, nil, nil, 0)
            return
        }
        let low = min(baseline ?? smallest, smallest)
        let columns = Self.columns(for: segments, width: width)
        var text = ""
        for (offset, segment) in segments.enumerated() {
            if offset > 0 { text.append(Self.breakMark) }
            for value in Self.values(of: segment, columns: columns[offset]) {
                text.append(Self.level(value, low: low, high: high))
            }
        }
        self.text = text
        (minimum, maximum) = (low, high)
        (start, end) = (segments.first?.first?.time, segments.last?.last?.time)
        breaks = segments.count - 1
    }

    /// The level character of `value` between `low` (▁) and `high` (█).
    public static func level(_ value: Double, low: Double, high: Double) -> Character {
        guard high > low else { return levels[0] }
        let scaled = ((value - low) / (high - low) * Double(levels.count - 1)).rounded()
        return levels[min(max(Int(scaled), 0), levels.count - 1)]
    }

    /// Columns per segment: one each, the rest shared by time spanned.
    static func columns(for segments: [ArraySlice<TimePoint>], width: Int) -> [Int] {
        let available = max(width - (segments.count - 1), segments.count)
        let spans = segments.map { segment in max((segment.last?.time ?? 0) - (segment.first?.time ?? 0), 0) }
        let total = spans.reduce(0, +)
        let extra = available - segments.count
        var columns = spans.map { span in 1 + (total > 0 ? Int(Double(extra) * span / total) : 0) }
        let leftover = available - columns.reduce(0, +)
        if leftover > 0, let widest = spans.indices.max(by: { spans[$0] < spans[$1] }) {
            columns[widest] += leftover
        }
        return columns
    }

    /// The value of each of `columns` columns of one segment.
    static func values(of segment: ArraySlice<TimePoint>, columns: Int) -> [Double] {
        guard let first = segment.first, let last = segment.last, columns > 0 else { return [] }
        let span = last.time - first.time
        var result: [Double?] = Array(repeating: nil, count: columns)
        for point in segment {
            let column = span > 0 ? min(columns - 1, Int((point.time - first.time) / span * Double(columns))) : 0
            result[column] = max(result[column] ?? -.infinity, point.value)
        }
        var held = first.value
        return result.map { value in
            if let value { held = value }
            return held
        }
    }
}
