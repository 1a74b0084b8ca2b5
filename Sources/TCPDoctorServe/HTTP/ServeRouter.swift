import Hummingbird

/// serve's routes: the page at `/`, `/metrics`, `/api/...`, `/healthz`; GET and HEAD only.
///
/// Nothing here changes the host: every endpoint reads the shared snapshot, or (the page and
/// `/healthz`) not even that.
public enum ServeRouter {
    /// The paths serve answers; any other is 404.
    public static let paths: Set<String> = [
        "/", "/metrics", "/api/sockets", "/api/states", "/api/findings", "/api/timeline", "/healthz",
    ]

    /// The router over `cache` (and the page's timeline from `history`, when given), HEAD
    /// answered as GET without the body.
    public static func make(_ cache: SnapshotCache, history: HistoryTimeline? = nil) -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: ReadOnlyMiddleware(paths: paths))
        router.get("/") { _, _ in ServeEndpoints.page() }
        router.get("/metrics") { request, _ in
            await ServeEndpoints.metrics(cache, accept: request.headers[.accept])
        }
        let api = router.group("api")
        api.get("sockets") { _, _ in await ServeEndpoints.sockets(cache) }
        api.get("states") { request, _ in
            await ServeEndpoints.states(cache, by: request.uri.queryParameters["by"].map(String.init))
        }
        api.get("findings") { _, _ in await ServeEndpoints.findings(cache) }
        api.get("timeline") { request, _ in
            await ServeEndpoints.timeline(
                cache,
                history: history,
                since: request.uri.queryParameters["since"].map(String.init)
            )
        }
        // Liveness only: it takes no snapshot, so that a health check costs nothing.
        router.get("/healthz") { _, _ in
            ServeEndpoints.response(.ok, type: "text/plain; charset=utf-8", Array("ok\n".utf8))
        }
        return router
    }
}

/// 405 with `Allow: GET, HEAD` for any other method on a known path (the router alone says 404).
struct ReadOnlyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let paths: Set<String>

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method != .get && request.method != .head, paths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        return Response(
            status: .methodNotAllowed,
            headers: [.allow: "GET, HEAD", .contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(
                byteBuffer: ByteBuffer(
                    string: "\(request.method.rawValue) is not allowed: serve is read-only (GET, HEAD)\n"
                )
            )
        )
    }
}
