import TCPDoctorCore
import TCPDoctorLinux
import TCPDoctorOutput

/// `watch --json`: one JSON object per refresh on one line (NDJSON, docs/json.md,
/// docs/schema/watch.json), flushed at once so that a reader sees each refresh when it happens.
enum WatchJSONRenderer {
    static func write(_ frame: WatchFrame) {
        let table = frame.table
        let sample = frame.sample
        var json = JSONWriter(OutputBuffer())
        json.beginObject()
        json.key("taken_at")
        json.value(table.takenAt)
        json.key("refresh")
        json.value(sample.number)
        json.key("interval_seconds")
        json.value(frame.interval)
        json.key("by")
        json.value(table.grouping.rawValue)
        json.key("sort")
        json.value(table.sort.name)
        json.key("filter")
        json.value(frame.filter)
        json.key("started_at")
        json.value(table.startedAt)
        json.key("total")
        json.value(table.total)
        json.key("states")
        StatesJSONRenderer.writeCounts(table.counts, &json)
        json.key("change_since_last")
        json.value(table.totalSinceLast)
        json.key("change_since_start")
        json.value(table.totalSinceStart)
        json.key("processes")
        json.value(frame.processes)
        json.key("skipped_ticks")
        json.value(frame.skippedTicks)
        writeCost(frame, &json)
        json.key("worst_finding")
        if let worst = sample.worst { FindingJSON.write(worst, to: &json) } else { json.null() }
        json.key("fds_worst")
        if let worst = table.worstFDUse {
            writeFDUse(worst, command: sample.input.snapshot.processes[worst.pid]?.command, &json)
        } else {
            json.null()
        }
        json.key("groups")
        json.beginArray()
        for row in table.rows { writeRow(row, &json) }
        json.endArray()
        CoverageJSON.write(sample.input.snapshot.coverage, to: &json)
        json.endObject()
        // `finish` ends the line and flushes: one refresh, one line, out at once.
        json.finish()
    }

    private static func writeCost(_ frame: WatchFrame, _ json: inout JSONWriter) {
        let sample = frame.sample
        json.key("cost")
        json.beginObject()
        json.key("cpu_seconds")
        json.value(sample.cpuSeconds)
        json.key("wall_seconds")
        json.value(sample.wallSeconds)
        json.key("refresh")
        switch sample.refresh.kind {
        case .full(let reason):
            json.value("full")
            json.key("full_reason")
            json.value(reason.rawValue)
        case .incremental:
            json.value("incremental")
            json.key("full_reason")
            json.null()
        }
        json.key("processes_read")
        json.value(sample.refresh.processesRead)
        json.endObject()
    }

    private static func writeRow(_ row: WatchTable.Row, _ json: inout JSONWriter) {
        let group = row.group
        json.beginObject()
        StatesJSONRenderer.writeGroup(group, &json)
        json.key("change_since_last")
        json.value(row.sinceLast)
        json.key("change_since_start")
        json.value(row.sinceStart)
        if let fds = row.fds {
            json.key("fds")
            writeFDUse(fds, command: nil, &json)
        }
        json.endObject()
    }

    /// `{"pid", "open", "soft_limit", "ratio"}`, with `command` for the worst of the frame.
    private static func writeFDUse(_ use: WatchTable.FDUse, command: String?, _ json: inout JSONWriter) {
        json.beginObject()
        json.key("pid")
        json.value(use.pid)
        if let command {
            json.key("command")
            json.value(command)
        }
        json.key("open")
        json.value(use.open)
        json.key("soft_limit")
        json.value(use.softLimit)
        json.key("ratio")
        json.value(use.ratio)
        json.endObject()
    }
}
