import Foundation
import GRDB
import TCPDoctorCore

/// What the history database adds to a live doctor report: per finding its trend, since when it
/// has been recorded and the forecast of its process's fds (`FindingTrend`), or why there is none.
///
/// The doctor reads the database when there is one (`--db`, else `HistoryLocation`'s default):
/// read-only, through `HistoryReader`, so that a diagnosis never changes the history.
public struct DoctorHistory: Sendable {
    /// Whether the history could be used.
    public enum Status: String, Sendable {
        /// Read: `trends` holds what it says.
        case read
        /// No database at `path`.
        case absent
        /// A database that could not be read (`message` says why); the live report stands alone.
        case unusable
        /// The user asked for none (`--no-history`).
        case disabled
    }

    public var path: String
    public var status: Status
    /// Why the history was not used, for `unusable`.
    public var message: String?
    /// The first and last sample the database holds, when read.
    public var range: (first: Double, last: Double)?
    /// By finding id; a finding the history never recorded has none.
    public var trends: [String: FindingTrend]

    public init(
        path: String,
        status: Status,
        message: String? = nil,
        range: (first: Double, last: Double)? = nil,
        trends: [String: FindingTrend] = [:]
    ) {
        (self.path, self.status, self.message, self.range, self.trends) = (path, status, message, range, trends)
    }

    /// How far back the findings' sizes are read (the age of a finding recorded longer is "at least").
    public static let lookback: Double = 7 * 86400

    /// Reads what the database at `path` says of `findings`.
    ///
    /// A finding is matched by its id (the same rule, process, place and namespace give the same
    /// id). A process is its pid and start time: for a finding about a process, only what was
    /// recorded since that very process was first seen counts, so that a reused pid never lends
    /// its past to another program.
    ///
    /// - Parameters:
    ///   - processes: The live snapshot's processes (for their start times).
    ///   - now: The live snapshot's time.
    public static func read(
        path: String,
        findings: [Finding],
        processes: [Int32: TCPProcess],
        now: Double,
        options: TrendOptions = TrendOptions()
    ) -> DoctorHistory {
        guard FileManager.default.fileExists(atPath: path) else { return DoctorHistory(path: path, status: .absent) }
        do {
            let reader = try HistoryReader(path: path)
            let range = try reader.sampleRange()
            let subjects = Set(findings.map(\.id))
            let sizes = try reader.findingSizes(subjects: subjects, since: now - lookback, until: now)
            var wanted: [Int32: UInt64?] = [:]
            for finding in findings {
                if let pid = finding.processes.first?.pid { wanted[pid] = processes[pid]?.startTime }
            }
            let fdSeries = try reader.series(since: now - 2 * options.window, until: now) { group in
                guard let process = group.process, let startTime = wanted[process.pid] else { return false }
                return process.startTime == startTime
            }
            var books: [Int32: (firstSeen: Double, fds: [TimePoint], limit: Int64?)] = [:]
            for series in fdSeries {
                guard let process = series.group.process else { continue }
                let points = series.points.compactMap { point in
                    point.fds.map { TimePoint(time: point.time, value: Double($0)) }
                }
                if points.count >= books[process.pid]?.fds.count ?? 0 {
                    books[process.pid] = (process.firstSeen, points, series.points.last?.fdSoftLimit)
                }
            }
            // Processes seen in the history under their start time, even with no fds in the window.
            let known = try reader.firstSeen(of: wanted)
            var trends: [String: FindingTrend] = [:]
            for finding in findings {
                guard var points = sizes[finding.id] else { continue }
                let pid = finding.processes.first?.pid
                if let pid {
                    // Recorded before this process existed: another process under the same pid.
                    guard let firstSeen = known[pid] else { continue }
                    points = points.filter { $0.time >= firstSeen }
                }
                guard !points.isEmpty else { continue }
                let book = pid.flatMap { books[$0] }
                trends[finding.id] = FindingTrend.assess(
                    findingID: finding.id,
                    sizes: points,
                    pid: pid,
                    fds: book?.fds ?? [],
                    fdSoftLimit: book?.limit,
                    options: options
                )
            }
            return DoctorHistory(path: path, status: .read, range: range, trends: trends)
        } catch {
            return DoctorHistory(path: path, status: .unusable, message: error.description)
        }
    }
}

extension HistoryReader {
    /// The recorded sizes of the findings `subjects` between `since` and `until`, each from the
    /// finest level that holds its time, in the order the samples were written.
    public func findingSizes(
        subjects: Set<String>,
        since: Double,
        until: Double
    ) throws(HistoryError) -> [String: [TimePoint]] {
        guard !subjects.isEmpty else { return [:] }
        return try read("read") { db in
            var result: [String: [TimePoint]] = [:]
            for (resolution, before) in try Self.levels(db) {
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT f.subject, f.size, s.taken_at FROM finding_full f JOIN sample s ON s.id = f.sample_id
                        WHERE s.resolution = ? AND s.taken_at >= ? AND s.taken_at <= ? AND s.taken_at < ?
                        ORDER BY s.id
                        """,
                    arguments: [resolution, since, until, before]
                )
                while let row = try rows.next() {
                    let subject: String = row[0]
                    guard subjects.contains(subject), let size: Int64 = row[1] else { continue }
                    result[subject, default: []].append(TimePoint(time: row[2], value: Double(size)))
                }
            }
            return result
        }
    }

    /// When each process (pid and start time) was first recorded; those never recorded are absent.
    public func firstSeen(of processes: [Int32: UInt64?]) throws(HistoryError) -> [Int32: Double] {
        guard !processes.isEmpty else { return [:] }
        return try read("read") { db in
            var result: [Int32: Double] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT pid, start_time, first_seen FROM process") {
                let pid: Int32 = row[0]
                guard let wanted = processes[pid] else { continue }
                let start: Int64? = row[1]
                guard start.map({ UInt64(bitPattern: $0) }) == wanted else { continue }
                let seen: Double = row[2]
                result[pid] = min(result[pid] ?? seen, seen)
            }
            return result
        }
    }
}
