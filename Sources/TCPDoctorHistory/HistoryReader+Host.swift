import GRDB
import TCPDoctorCore

/// The host's sockets per state at one sample: every namespace recorded, summed.
public struct HistoryHostPoint: Hashable, Sendable {
    /// Seconds since the Unix epoch when the sample was taken.
    public var time: Double
    /// Each socket once, whoever holds it (the groups count a shared socket once per holder).
    public var counts: StateCounts
}

extension HistoryReader {
    /// The host's totals at each sample as taken (the finest level, which keeps every sample
    /// for 48 h by default) after `since` and up to `until`, in the order they were written.
    ///
    /// Host rows are written whole in every sample, so no replay is needed.
    public func hostPoints(after since: Double, through until: Double) throws(HistoryError) -> [HistoryHostPoint] {
        let sums = StateCounts.columns.map { "sum(h.\($0)) AS \($0)" }.joined(separator: ", ")
        return try read("read") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.taken_at AS taken_at, \(sums) FROM sample s JOIN host_point h ON h.sample_id = s.id
                    WHERE s.resolution = 0 AND s.taken_at > ? AND s.taken_at <= ? GROUP BY s.id ORDER BY s.id
                    """,
                arguments: [since, until]
            ).map { row in
                HistoryHostPoint(
                    time: row["taken_at"],
                    counts: StateCounts(values: StateCounts.columns.map { row[$0] ?? 0 })
                )
            }
        }
    }
}
