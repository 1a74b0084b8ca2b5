import TCPDoctorCore
import TCPDoctorOutput

extension ServeTimeline {
    /// The document of `/api/timeline` (docs/web.md).
    ///
    /// Counts are arrays in the order of the top-level `states` rather than objects keyed by
    /// state: a full timeline is 720 points of a dozen groups each, fetched every few seconds.
    ///
    /// - Parameters:
    ///   - points: The points to write, oldest first.
    ///   - capacity: Points the timeline keeps.
    ///   - groupsPerPoint: Process groups kept per point.
    ///   - minimumInterval: Seconds one snapshot serves (the least spacing of points).
    ///   - pidLabels: Whether groups are per process.
    ///   - source: Where the points come from: serve's memory, or a history database.
    ///   - json: The writer.
    static func writeJSON(
        _ points: [Point],
        capacity: Int,
        groupsPerPoint: Int,
        minimumInterval: Double,
        pidLabels: Bool,
        source: Source = .memory,
        to json: inout JSONWriter
    ) {
        json.beginObject()
        json.key("source")
        switch source {
        case .memory: json.value("memory")
        case .history: json.value("history")
        case .memoryForHistory: json.value("memory")
        }
        json.key("db")
        json.value(source.path)
        json.key("history_error")
        json.value(source.error)
        json.key("capacity")
        json.value(capacity)
        json.key("groups_per_point")
        json.value(groupsPerPoint)
        json.key("min_interval")
        json.value(minimumInterval)
        json.key("grouping")
        json.value(pidLabels ? "pid" : "command")
        json.key("states")
        json.beginArray()
        for state in TCPState.displayed { json.value(state.netstatName) }
        json.endArray()
        json.key("points")
        json.beginArray()
        for point in points { write(point, &json) }
        json.endArray()
        json.endObject()
        json.finish()
    }

    /// Where a timeline document's points come from.
    enum Source {
        /// serve's own ring, as it has no history database.
        case memory
        /// The history database at the path.
        case history(path: String)
        /// serve's own ring, because the history database at the path could not be read.
        case memoryForHistory(path: String, error: String)

        var path: String? {
            switch self {
            case .memory: nil
            case .history(let path), .memoryForHistory(let path, _): path
            }
        }

        var error: String? {
            if case .memoryForHistory(_, let error) = self { return error }
            return nil
        }
    }

    private static func write(_ point: Point, _ json: inout JSONWriter) {
        json.beginObject()
        json.key("time")
        json.value(point.time)
        json.key("ok")
        json.value(point.ok)
        json.key("total")
        if point.ok { json.value(point.total) } else { json.null() }
        json.key("states")
        if point.ok { write(point.states, &json) } else { json.null() }
        json.key("groups")
        json.beginArray()
        for group in point.groups {
            json.beginObject()
            json.key("command")
            json.value(group.command)
            json.key("pid")
            json.value(group.pid)
            write(fields: group, &json)
            json.endObject()
        }
        json.endArray()
        json.key("other")
        if let other = point.other {
            json.beginObject()
            json.key("groups")
            json.value(point.otherGroups)
            write(fields: other, &json)
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
    }

    /// The keys a group and `other` share.
    private static func write(fields group: Group, _ json: inout JSONWriter) {
        json.key("processes")
        json.value(group.processes)
        json.key("total")
        json.value(group.total)
        json.key("states")
        write(group.states, &json)
        json.key("open_fds")
        json.value(group.openFDs)
        json.key("fd_soft_limit")
        json.value(group.fdSoftLimit)
    }

    private static func write(_ counts: [UInt32], _ json: inout JSONWriter) {
        json.beginArray()
        for count in counts { json.value(count) }
        json.endArray()
    }
}
