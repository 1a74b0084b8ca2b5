import Foundation
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorLinux
import TCPDoctorSystem

/// The loop of `record`: a sample per tick, aggregated and appended; retention every ten
/// minutes; its own cost logged to standard error and `record_log` every hour and at the end.
/// Samples are taken on a thread of their own (`RecordSampleWorker`): a signal during one drops
/// it and stops at once; the database is written by this loop's thread only.
struct RecordLoop {
    let store: HistoryStore
    let interval: Double
    let limit: Int?
    let signals: Int32

    init(store: HistoryStore, interval: Double, limit: Int?, signals: Int32) {
        (self.store, self.interval, self.limit, self.signals) = (store, interval, limit, signals)
    }

    mutating func run() throws {
        let started = (cpu: systemProcessCPUSeconds(), wall: systemWallClockSeconds(), bytes: store.fileBytes)
        var schedule = TickSchedule(interval: interval, start: systemMonotonicSeconds())
        var samples: Int64 = 0
        var missed = 0
        var lastRetention = systemMonotonicSeconds()
        var lastLog = lastRetention
        let worker = try RecordSampleWorker()
        log("record: sampling every \(interval) s into \(store.path)")
        while true {
            switch try worker.sample(orSignalOn: signals) {
            case .sample(let sample):
                try store.append(sample.aggregate(skippedTicks: missed), at: sample.takenAt)
            case .signal(let signal):
                log("record: signal \(signal), stopping; the sample in progress is dropped")
                try report(started, samples: samples, skipped: Int64(schedule.skipped))
                return
            }
            // The sample is gone: its memory back to the kernel, so that between samples record
            // holds the owner books that keep the next one incremental, not 200k sockets.
            _ = systemReturnFreeMemory()
            samples += 1
            if let limit, samples >= limit { break }
            let now = systemMonotonicSeconds()
            if now - lastRetention >= 600 {
                try store.applyRetention()
                lastRetention = now
            }
            if now - lastLog >= 3600 {
                try report(started, samples: samples, skipped: Int64(schedule.skipped))
                lastLog = now
            }
            let next = schedule.next(after: systemMonotonicSeconds())
            missed = next.missed
            if missed > 0 { log("record: a sample overran its interval; \(missed) tick(s) skipped") }
            if let signal = RecordSignals.wait(signals, until: next.at) {
                log("record: signal \(signal), stopping")
                break
            }
        }
        // No retention here: a stop must take less than a second; the next run catches up.
        try report(started, samples: samples, skipped: Int64(schedule.skipped))
    }

    private func report(_ started: (cpu: Double, wall: Double, bytes: Int64), samples: Int64, skipped: Int64) throws {
        let now = systemWallClockSeconds()
        let days = (now - started.wall) / 86400
        let cpu = systemProcessCPUSeconds() - started.cpu
        let bytes = store.fileBytes
        let perDay = days >= 1.0 / 24
        let cost = RecordCost(
            at: now,
            samples: samples,
            skipped: skipped,
            cpuSeconds: cpu,
            databaseBytes: bytes,
            cpuSecondsPerDay: perDay ? cpu / days : nil,
            bytesPerDay: perDay ? Double(bytes - started.bytes) / days : nil
        )
        try store.log(cost)
        var line =
            "record: \(samples) samples, \(skipped) skipped, \(String(format: "%.2f", cpu)) s CPU, database \(bytes) bytes"
        if let cpuDay = cost.cpuSecondsPerDay, let bytesDay = cost.bytesPerDay {
            line += String(format: " (%.1f s CPU and %.0f bytes per day)", cpuDay, bytesDay)
        }
        log(line)
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
