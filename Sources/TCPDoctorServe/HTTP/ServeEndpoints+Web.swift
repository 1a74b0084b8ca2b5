import Hummingbird
import TCPDoctorHistory
import TCPDoctorOutput

extension ServeEndpoints {
    static let htmlType = "text/html; charset=utf-8"

    /// `/api/timeline`, `/api/timeline?since=SECONDS`: the timeline's points (after `since`).
    ///
    /// It asks for the current snapshot first, as the other documents do, so that the last point
    /// is at most `--min-interval` old; a snapshot that fails adds a point with `ok: false`, and
    /// the timeline is still answered. With a history database the points are its samples (the
    /// last hour without `since`); when it cannot be read, serve's own with the reason.
    static func timeline(_ cache: SnapshotCache, history: HistoryTimeline?, since: String?) async -> Response {
        var after: Double?
        if let since {
            guard let seconds = Double(since), seconds.isFinite else {
                return error(
                    .badRequest,
                    code: "usage",
                    "'\(since)' in ?since= is not a time: expected seconds since the Unix epoch (a point's `time`)",
                    64
                )
            }
            after = seconds
        }
        _ = await cache.current()
        var source = ServeTimeline.Source.memory
        if let history {
            switch await history.points(after: after) {
            case .success(let points):
                return timelineResponse(
                    points,
                    history.capacity,
                    history.groupsPerPoint,
                    .history(path: history.path),
                    cache
                )
            case .failure(let failure):
                source = .memoryForHistory(path: history.path, error: failure.description)
            }
        }
        let memory = cache.timeline(after: after)
        return timelineResponse(memory.points, memory.capacity, memory.groups, source, cache)
    }

    private static func timelineResponse(
        _ points: [ServeTimeline.Point],
        _ capacity: Int,
        _ groups: Int,
        _ source: ServeTimeline.Source,
        _ cache: SnapshotCache
    ) -> Response {
        var json = JSONWriter(OutputBuffer.collecting())
        ServeTimeline.writeJSON(
            points,
            capacity: capacity,
            groupsPerPoint: groups,
            minimumInterval: cache.minimumInterval,
            pidLabels: cache.limits.pidLabels,
            source: source,
            to: &json
        )
        return response(.ok, type: jsonType, json.out.takeCollected())
    }

    /// `/`: the page, with a fresh nonce that lets its one inline script and style run.
    ///
    /// The policy allows nothing else: no other script or style (inline or not), no frame, no
    /// form, no plugin, no fetch but to this server; only the inline favicon (`data:`). It takes
    /// no snapshot: the page's script asks the API for the data.
    static func page() -> Response {
        let nonce = WebPage.makeNonce()
        let policy =
            "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; connect-src 'self'; "
            + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        return Response(
            status: .ok,
            headers: [
                .contentType: htmlType,
                .contentSecurityPolicy: policy,
                .xContentTypeOptions: "nosniff",
                .cacheControl: "no-store",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: WebPage.html(nonce: nonce)))
        )
    }
}
