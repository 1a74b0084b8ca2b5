import Hummingbird
import TCPDoctorCore
import TCPDoctorHistory
import TCPDoctorLinux
import TCPDoctorOutput

/// The bodies of serve's endpoints, from the shared snapshot.
///
/// The JSON documents are the CLI's own (`sockets --json`, `states --json`, `doctor --json`,
/// docs/json.md), written by the same renderers, so that a consumer reads one schema whether it
/// runs the command or asks the server.
enum ServeEndpoints {
    static let jsonType = "application/json"

    /// `/metrics`: the snapshot's families and the self-metrics, in the format `Accept` asks for.
    static func metrics(_ cache: SnapshotCache, accept: String?) async -> Response {
        let (snapshot, statistics) = await cache.scrape()
        let format = ExpositionFormat.negotiate(accept: accept)
        let families = (snapshot.metrics?.families ?? []) + SelfMetrics.families(snapshot, statistics: statistics)
        return response(.ok, type: format.contentType, Array(ExpositionWriter.write(families, format: format).utf8))
    }

    /// `/api/sockets`: every socket with its owners, as `sockets --json` prints it without a filter.
    static func sockets(_ cache: SnapshotCache) async -> Response {
        let snapshot = await cache.current()
        guard case .success(let sample) = snapshot.sample else { return unreadable(snapshot) }
        let taken = sample.input.snapshot
        var json = JSONWriter(OutputBuffer.collecting())
        SocketsJSONRenderer(snapshot: taken, includeInfo: false)
            .write(taken.sockets, dead: taken.deadSocketFDs, unverified: taken.unverifiedSocketFDs, to: &json)
        return response(.ok, type: jsonType, json.out.takeCollected())
    }

    /// `/api/states`, `/api/states?by=process` (or `local-port`, `remote`, `netns`): as `states --json [--by]`.
    static func states(_ cache: SnapshotCache, by: String?) async -> Response {
        var grouping: StateHistogram.Grouping?
        if let by {
            guard let parsed = StateHistogram.Grouping(rawValue: by) else {
                let names = StateHistogram.Grouping.allCases.map(\.rawValue).joined(separator: ", ")
                return error(
                    .badRequest,
                    code: "usage",
                    "unknown grouping '\(by)' in ?by=: expected one of \(names)",
                    64
                )
            }
            grouping = parsed
        }
        let snapshot = await cache.current()
        guard case .success(let sample) = snapshot.sample else { return unreadable(snapshot) }
        let taken = sample.input.snapshot
        let histogram = StateHistogram(sockets: taken.sockets, in: taken, groupedBy: grouping)
        var json = JSONWriter(OutputBuffer.collecting())
        StatesJSONRenderer.writeJSON(histogram, grouping: grouping, snapshot: taken, to: &json)
        return response(.ok, type: jsonType, json.out.takeCollected())
    }

    /// `/api/findings`: the doctor's document, as `doctor --json --no-history` prints it.
    ///
    /// Without the history database: serve reads no SQLite per request (its `history.status`
    /// says `disabled`), and without runtime recognition (the sampler's doctor, as `watch`'s).
    static func findings(_ cache: SnapshotCache) async -> Response {
        let snapshot = await cache.current()
        guard case .success(let sample) = snapshot.sample else { return unreadable(snapshot) }
        var json = JSONWriter(OutputBuffer.collecting())
        DoctorJSONRenderer.write(
            sample.findings,
            input: sample.input,
            failOn: .critical,
            history: DoctorHistory(path: HistoryLocation.defaultPath(), status: .disabled),
            to: &json
        )
        return response(.ok, type: jsonType, json.out.takeCollected())
    }

    /// 503 with the error document of docs/json.md when the snapshot could not be taken.
    static func unreadable(_ snapshot: CachedSnapshot) -> Response {
        var message = "the system could not be read"
        if case .failure(let failure) = snapshot.sample { message = failure.description }
        return error(.serviceUnavailable, code: "system_unreadable", message, 3)
    }

    /// `{"error": {"code", "message", "exit_status"}}`, the CLI's error document.
    static func error(_ status: HTTPResponse.Status, code: String, _ message: String, _ exitStatus: Int) -> Response {
        var json = JSONWriter(OutputBuffer.collecting())
        ErrorJSON.write(&json, code: code, message: message, status: exitStatus)
        json.finish()
        return response(status, type: jsonType, json.out.takeCollected())
    }

    static func response(_ status: HTTPResponse.Status, type: String, _ bytes: [UInt8]) -> Response {
        Response(
            status: status,
            headers: [.contentType: type],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
