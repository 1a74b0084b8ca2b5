import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorOutput

/// `history --format openmetrics`: every recorded sample in the range as OpenMetrics text, for
/// Prometheus' backfill (`promtool tsdb create-blocks-from openmetrics FILE DIR`).
///
/// Three gauge families, each written whole before the next as the format requires: sockets per
/// group and state, and each process' open fds and fd soft limit. Timestamps are seconds since
/// the Unix epoch. A series' samples must have increasing timestamps, so samples written after
/// the wall clock went back (at or before a time already written for that series) are left out
/// and counted on standard error; the text and JSON outputs keep them.
enum HistoryOpenMetrics {
    static func write(_ series: [HistorySeries], to out: inout OutputBuffer) {
        var dropped = 0
        out.write("# TYPE tcpdoctor_sockets gauge\n")
        out.write("# HELP tcpdoctor_sockets TCP sockets of a namespace, process and place in a state, as recorded.\n")
        for one in series {
            let labels = groupLabels(one.group)
            for (index, state) in StateCounts.states.enumerated()
            where one.points.contains(where: { $0.counts.values[index] != 0 }) {
                let prefix = "tcpdoctor_sockets{\(labels),state=\"\(state.netstatName)\"} "
                dropped += writePoints(one.points, prefix: prefix, to: &out) { $0.counts.values[index] }
            }
        }
        // One series per process, from the first group of it that carries fd counts.
        var seen: Set<HistoryProcess> = []
        var processes: [(labels: String, points: [HistoryPoint])] = []
        for one in series {
            guard let process = one.group.process, one.points.contains(where: { $0.fds != nil }),
                seen.insert(process).inserted
            else { continue }
            processes.append((processLabels(process), one.points))
        }
        let families: [(name: String, help: String, value: (HistoryPoint) -> Int64?)] = [
            ("tcpdoctor_process_open_fds", "Open file descriptors of a process, as recorded.", { $0.fds }),
            (
                "tcpdoctor_process_fd_soft_limit", "RLIMIT_NOFILE soft limit of a process, as recorded.",
                { $0.fdSoftLimit }
            ),
        ]
        for family in families {
            out.write("# TYPE \(family.name) gauge\n# HELP \(family.name) \(family.help)\n")
            for process in processes {
                dropped += writePoints(
                    process.points,
                    prefix: "\(family.name){\(process.labels)} ",
                    to: &out,
                    family.value
                )
            }
        }
        out.write("# EOF\n")
        if dropped > 0 {
            out.flush()
            Diagnostics.note(
                "Left out \(dropped) sample\(dropped == 1 ? "" : "s") recorded after the wall clock went back: "
                    + "OpenMetrics needs increasing timestamps within a series."
            )
        }
    }

    /// Writes one series' samples that have a value and an increasing time; returns those left out.
    private static func writePoints(
        _ points: [HistoryPoint],
        prefix: String,
        to out: inout OutputBuffer,
        _ value: (HistoryPoint) -> Int64?
    ) -> Int {
        var last = -Double.infinity
        var dropped = 0
        for point in points {
            guard let number = value(point) else { continue }
            guard point.time > last else {
                dropped += 1
                continue
            }
            last = point.time
            out.write(prefix)
            out.write(integer: number)
            out.write(byte: UInt8(ascii: " "))
            if point.time == point.time.rounded() && abs(point.time) < 1e15 {
                out.write(integer: Int64(point.time))
            } else {
                out.write(timestamp(point.time))
            }
            out.write(byte: 10)
            out.flushIfFull()
        }
        return dropped
    }

    static func groupLabels(_ group: HistoryGroup) -> String {
        var labels = "netns=\"\(group.netns)\""
        if let process = group.process { labels += "," + processLabels(process) }
        return labels + ",place_kind=\"\(escape(group.placeKind))\",place=\"\(escape(group.place))\""
    }

    static func processLabels(_ process: HistoryProcess) -> String {
        var labels = "pid=\"\(process.pid)\""
        if let start = process.startTime { labels += ",start_time=\"\(start)\"" }
        return labels + ",command=\"\(escape(process.command))\""
    }

    /// Seconds, whole when they are, else with milliseconds.
    static func timestamp(_ time: Double) -> String {
        time == time.rounded() && abs(time) < 1e15 ? String(Int64(time)) : TrendText.decimal(time, places: 3)
    }

    /// A label value as the format escapes it: backslash, double quote and line feed.
    static func escape(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
