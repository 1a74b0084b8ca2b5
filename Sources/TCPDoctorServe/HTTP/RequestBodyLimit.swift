import Hummingbird
import NIOCore
import NIOHTTPTypes

/// Refuses a request that announces a body serve would have to read: no endpoint takes one.
///
/// It sits after the HTTP decoder, before the router. A head whose `Content-Length` is past
/// `limit`, or that announces a chunked body (whose length nobody knows in advance), is answered
/// 413 with `Connection: close` here, and the connection is closed once that answer is written:
/// without it the server would read, and drop, whatever body the client cared to send (each
/// part counts as activity, so the idle timeout would never end it). A body within the limit is
/// passed on, and the router ignores it as before (a POST with a small form still gets 405).
final class RequestBodyLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    /// The largest announced body passed on, in bytes.
    static let standardLimit = 64 * 1024

    let limit: Int
    /// True from a refused head on: the rest of the connection's input is dropped.
    private var refused = false

    init(limit: Int = RequestBodyLimit.standardLimit) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let part = unwrapInboundIn(data)
        if case .head(let head) = part, let reason = refusal(head.headerFields) {
            refused = true
            refuse(context, reason)
            return
        }
        context.fireChannelRead(data)
    }

    /// Why a request with these headers is refused; nil when its body may be passed on.
    func refusal(_ fields: HTTPFields) -> String? {
        if let encoding = fields[.transferEncoding], !encoding.isEmpty {
            return
                "a request body of unknown length (Transfer-Encoding: \(encoding)) is refused: serve's endpoints take no body"
        }
        // A Content-Length that is no number never gets here: the HTTP parser answers it 400.
        guard let length = fields[.contentLength].flatMap({ Int($0) }), length > limit else { return nil }
        return "a request body of \(length) bytes is refused (at most \(limit)): serve's endpoints take no body"
    }

    private func refuse(_ context: ChannelHandlerContext, _ reason: String) {
        let body = ByteBuffer(string: reason + "\n")
        let head = HTTPResponse(
            status: .contentTooLarge,
            headerFields: [
                .contentType: "text/plain; charset=utf-8",
                .contentLength: "\(body.readableBytes)",
                .connection: "close",
            ]
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
