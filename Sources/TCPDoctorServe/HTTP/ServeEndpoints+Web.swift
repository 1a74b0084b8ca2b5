import Hummingbird
import TCPDoctorOutput

extension ServeEndpoints {
    static let htmlType = "text/html; charset=utf-8"

    /// `/api/timeline`, `/api/timeline?since=SECONDS`: the timeline's points (after `since`).
    ///
    /// It asks for the current snapshot first, as the other documents do, so that the last point
    /// is at most `--min-interval` old; a snapshot that fails adds a point with `ok: false`, and
    /// the timeline is still answered.
    static func timeline(_ cache: SnapshotCache, since: String?) async -> Response {
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
        let timeline = cache.timeline(after: after)
        var json = JSONWriter(OutputBuffer.collecting())
        ServeTimeline.writeJSON(
            timeline.points,
            capacity: timeline.capacity,
            groupsPerPoint: timeline.groups,
            minimumInterval: cache.minimumInterval,
            pidLabels: cache.limits.pidLabels,
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
