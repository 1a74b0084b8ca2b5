import TCPDoctorCore

/// `states --json` (docs/json.md), and the group objects `watch --json` shares.
public enum StatesJSONRenderer {
    public static func writeJSON(
        _ histogram: StateHistogram,
        grouping: StateHistogram.Grouping?,
        snapshot: Snapshot,
        to json: inout JSONWriter
    ) {
        json.beginObject()
        json.key("taken_at")
        json.value(snapshot.takenAt)
        json.key("source")
        json.value(snapshot.coverage.source.rawValue)
        json.key("total")
        json.value(histogram.total)
        json.key("states")
        writeCounts(histogram.counts, &json)
        if let grouping {
            json.key("by")
            json.value(grouping.rawValue)
            json.key("groups")
            json.beginArray()
            for group in histogram.groups {
                json.beginObject()
                writeGroup(group, &json)
                json.endObject()
            }
            json.endArray()
        }
        NamespacesJSON.write(snapshot.namespaces, sources: snapshot.coverage.namespaceSources, to: &json)
        CoverageJSON.write(snapshot.coverage, to: &json)
        json.endObject()
        json.finish()
    }

    /// A group's keys (`label`, `pid`, `command`, `port`, `netns`, `total`, `states`), shared with
    /// `watch --json`'s rows.
    public static func writeGroup(_ group: StateHistogram.Group, _ json: inout JSONWriter) {
        json.key("label")
        json.value(group.label)
        if let pid = group.pid {
            json.key("pid")
            json.value(pid)
        }
        if let command = group.command {
            json.key("command")
            json.value(command)
        }
        if let port = group.port {
            json.key("port")
            json.value(port)
        }
        if let netns = group.netns {
            json.key("netns")
            json.value(netns)
            json.key("netns_label")
            json.value(group.label)
        }
        json.key("total")
        json.value(group.total)
        json.key("states")
        writeCounts(group.counts, &json)
    }

    /// Every state is present, with 0 where there is none, so that consumers need no defaults.
    public static func writeCounts(_ counts: [TCPState: Int], _ json: inout JSONWriter) {
        json.beginObject()
        for state in TCPState.displayed {
            json.key(dynamic: state.netstatName)
            json.value(counts[state] ?? 0)
        }
        json.endObject()
    }
}
