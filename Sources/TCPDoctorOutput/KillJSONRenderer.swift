import TCPDoctorCore

/// `kill --json`, streamed like `sockets --json` (a kill may name tens of thousands of sockets).
/// Schema: docs/schema/kill.json, described in docs/json.md.
public struct KillJSONRenderer {
    public let report: KillReport
    /// The filter as the user gave it, for the document.
    public let filterText: String

    public init(report: KillReport, filterText: String) {
        self.report = report
        self.filterText = filterText
    }

    public func write(to json: inout JSONWriter) {
        let snapshot = report.snapshot
        json.beginObject()
        json.key("schema")
        json.value("tcpdoctor-kill/1")
        json.key("taken_at")
        json.value(snapshot.takenAt)
        json.key("filter")
        json.value(filterText)
        json.key("dry_run")
        json.value(report.dryRun)
        json.key("forced")
        json.value(report.plan.forced)
        json.key("refusal")
        if let refusal = report.plan.refusal {
            json.beginObject()
            json.key("code")
            json.value(refusal.code)
            json.key("message")
            json.value(refusal.message)
            json.endObject()
        } else {
            json.null()
        }
        NamespacesJSON.write(snapshot.namespaces, sources: snapshot.coverage.namespaceSources, to: &json)

        var referenced = Set<Int32>()
        json.key("sockets")
        json.beginArray()
        for result in report.results {
            writeResult(result, referenced: &referenced, to: &json)
        }
        json.endArray()

        json.key("totals")
        json.beginObject()
        json.key("matched")
        json.value(report.results.count)
        for (code, count) in report.totals {
            json.key(dynamic: code)
            json.value(count)
        }
        json.endObject()
        json.key("requests")
        json.value(report.requestsSent)
        json.key("batches")
        json.value(report.batches)
        json.key("unverified_namespaces")
        json.beginArray()
        for namespace in report.unverified {
            json.beginObject()
            json.key("netns")
            json.value(namespace.netns)
            json.key("netns_label")
            json.value(snapshot.namespace(namespace.netns)?.label ?? "net:[\(namespace.netns)]")
            json.key("reason")
            json.value(namespace.reason)
            json.endObject()
        }
        json.endArray()
        json.key("open_fds_left")
        json.value(report.orphanedDescriptors)
        json.key("note")
        json.value(KillReport.descriptorNote)

        json.key("processes")
        json.beginArray()
        for pid in referenced.sorted() {
            guard let process = snapshot.processes[pid] else { continue }
            ProcessJSON.write(process, to: &json)
        }
        json.endArray()
        CoverageJSON.write(snapshot.coverage, to: &json)
        json.endObject()
        json.finish()
    }

    private func writeResult(_ result: KillReport.Result, referenced: inout Set<Int32>, to json: inout JSONWriter) {
        let socket = result.socket
        let snapshot = report.snapshot
        json.beginObject()
        SocketFieldsJSON.write(socket, to: &json)
        json.key("netns")
        json.value(socket.netns)
        json.key("netns_label")
        json.value(snapshot.namespace(socket.netns)?.label ?? "net:[\(socket.netns)]")
        json.key("cookie")
        json.value(socket.cookie)
        OwnersJSON.write(socket, in: snapshot, referenced: &referenced, to: &json)
        json.key("outcome")
        json.value(result.outcome.code)
        json.key("errno")
        if let errno = result.outcome.errno {
            json.beginObject()
            json.key("name")
            json.value(errno.name)
            json.key("value")
            json.value(errno.value)
            json.key("text")
            json.value(errno.text)
            json.endObject()
        } else {
            json.null()
        }
        json.key("replaced_by")
        if case .replaced(let cookie, let state) = result.outcome {
            json.beginObject()
            json.key("cookie")
            json.value(cookie)
            json.key("state")
            json.value(state.netstatName)
            json.endObject()
        } else {
            json.null()
        }
        json.key("detail")
        json.value(result.outcome.detail)
        json.endObject()
    }
}
