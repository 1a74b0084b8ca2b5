import TCPDoctorCore

/// The document of `free-fds --json` (docs/json.md, schema docs/schema/free-fds.json).
///
/// Through `JSONWriter` like the other documents: 10,000 fds make a document of a few MB.
public enum FreeFDsJSONRenderer {
    public static func write(_ report: FDFreeReport, to json: inout JSONWriter) {
        json.beginObject()
        json.key("pid")
        json.value(report.plan.pid)
        json.key("command")
        json.value(report.command)
        json.key("mode")
        json.value(report.plan.mode.rawValue)
        json.key("acted")
        json.value(report.acted)
        json.key("fds_before")
        json.value(report.fdsBefore)
        json.key("fds_after")
        json.value(report.fdsAfter)
        json.key("freed")
        json.value(report.freedCount)
        json.key("stopped_seconds")
        if let stopped = report.stoppedNanoseconds { json.value(secondsFromNanoseconds: stopped) } else { json.null() }
        json.key("threads")
        json.value(report.threads)
        json.key("instruction_source")
        json.value(report.instructionSource)
        json.key("frees")
        json.value(report.plan.mode.frees)
        json.key("risk")
        json.value(FDFreeReport.risk)
        json.key("fds")
        json.beginArray()
        for outcome in report.outcomes {
            json.beginObject()
            writeTarget(outcome.target, to: &json)
            json.key("result")
            json.value(outcome.word)
            var (call, errno, current, detail): (String?, Int32?, UInt64?, String?) = (nil, nil, nil, nil)
            switch outcome.result {
            case .changed(let inode):
                current = inode
                detail = "the fd no longer refers to the planned socket: left alone"
            case .failed(let name, let number):
                (call, errno) = (name, number)
            case .notAttempted(let reason):
                detail = reason
            case .planned, .closed, .replaced:
                break
            }
            json.key("call")
            json.value(call)
            json.key("errno")
            json.value(errno)
            json.key("current_inode")
            json.value(current)
            json.key("detail")
            json.value(detail)
            json.endObject()
        }
        json.endArray()
        json.key("refused")
        json.beginArray()
        for refusal in report.plan.refusals {
            json.beginObject()
            writeTarget(refusal.target, to: &json)
            json.key("reason")
            json.value(refusal.reason.rawValue)
            json.key("detail")
            json.value(refusal.detail)
            json.endObject()
        }
        json.endArray()
        json.key("failure")
        if let failure = report.failure {
            json.beginObject()
            json.key("step")
            json.value(failure.step)
            json.key("message")
            json.value(failure.message)
            json.endObject()
        } else {
            json.null()
        }
        json.endObject()
        json.finish()
    }

    private static func writeTarget(_ target: FDFreePlan.Target, to json: inout JSONWriter) {
        json.key("fd")
        json.value(target.fd)
        json.key("inode")
        json.value(target.inode)
        json.key("state")
        json.value(target.state?.netstatName)
        json.key("local")
        if let local = target.local { json.value(endpoint: local) } else { json.null() }
        json.key("remote")
        if let remote = target.remote { json.value(endpoint: remote) } else { json.null() }
        json.key("other_holders")
        json.beginArray()
        for holder in target.otherHolders {
            json.beginObject()
            json.key("pid")
            json.value(holder.pid)
            json.key("fd")
            json.value(holder.fd)
            json.endObject()
        }
        json.endArray()
    }
}
