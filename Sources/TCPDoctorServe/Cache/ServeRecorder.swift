import Dispatch
import Foundation
import ServiceLifecycle
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorLinux
import TCPDoctorSystem

/// `serve --record`: `record`'s loop inside serve, sharing its snapshots with the scrapes.
///
/// Each tick asks the cache for the current snapshot, as a scrape does: a scrape's snapshot
/// younger than `--min-interval` is recorded as it is, and a snapshot the recorder caused
/// answers the scrapes that follow. One snapshot is recorded once (a tick that finds the same
/// one records nothing). Writes, and retention every ten minutes, run on a queue of the
/// recorder's own, never on the pool that answers requests. A write that fails (a full disk) is
/// counted in `tcpdoctor_record_errors_total` and said on standard error, and the next tick tries
/// again: the metrics go on.
///
/// `@unchecked Sendable`: the store is used on `queue` only, one write at a time.
public final class ServeRecorder: Service, @unchecked Sendable {
    public let store: HistoryStore
    /// Seconds between samples.
    public let interval: Double
    let cache: SnapshotCache
    private let queue = DispatchQueue(label: "tcpdoctor.serve.record")

    /// - Parameters:
    ///   - store: The database, opened (and its lock taken) by the caller.
    ///   - interval: Seconds between samples; at least the cache's `minimumInterval`, or one
    ///     snapshot would be offered to several ticks (and recorded once).
    ///   - cache: The cache serve answers from.
    public init(store: HistoryStore, interval: Double, cache: SnapshotCache) {
        (self.store, self.interval, self.cache) = (store, interval, cache)
    }

    public func run() async throws {
        var schedule = TickSchedule(interval: interval, start: systemMonotonicSeconds())
        var recorded: Double?
        var missed = 0
        var lastRetention = systemMonotonicSeconds()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let snapshot = await cache.current()
            if case .success(let sample) = snapshot.sample, sample.takenAt != recorded {
                recorded = sample.takenAt
                let retain = systemMonotonicSeconds() - lastRetention >= 600
                if retain { lastRetention = systemMonotonicSeconds() }
                let outcome = await write(sample, skipped: missed, retain: retain)
                cache.countRecorded(failed: outcome != nil)
                if let outcome { Self.log("tcpdoctor serve: the sample was not recorded: \(outcome)") }
            }
            let next = schedule.next(after: systemMonotonicSeconds())
            missed = next.missed
            let delay = next.at - systemMonotonicSeconds()
            guard delay > 0 else { continue }
            // Ends at once on SIGTERM: a stop never waits for the next tick.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(delay)) }
        }
    }

    /// Appends the sample (and applies retention when `retain`); the failure's text, or nil.
    private func write(_ sample: Sample, skipped: Int, retain: Bool) async -> String? {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                do throws(HistoryError) {
                    try store.append(sample.aggregate(skippedTicks: skipped), at: sample.takenAt)
                    if retain { _ = try store.applyRetention() }
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error.description)
                }
            }
        }
    }

    private static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
