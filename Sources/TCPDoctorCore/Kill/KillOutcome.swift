/// An errno the kernel answered, as a value: its number, its symbolic name and its text.
///
/// Core knows no platform types; the Linux layer fills it from swift-system's `Errno`.
public struct KernelErrno: Hashable, Sendable, CustomStringConvertible {
    /// The positive errno number (`EPERM` is 1).
    public var value: Int32
    /// The symbolic name, such as `EPERM`; `errno N` for one without a known name.
    public var name: String
    /// The C library's text, such as "Operation not permitted".
    public var text: String

    public init(value: Int32, name: String, text: String) {
        self.value = value
        self.name = name
        self.text = text
    }

    /// `EPERM (Operation not permitted)`.
    public var description: String { "\(name) (\(text))" }
}

/// What the kernel answered one `SOCK_DESTROY` request, sorted by what it means.
public enum DestroyReply: Hashable, Sendable {
    /// An ACK with error 0: the kernel reset and closed the socket.
    case destroyed
    /// No socket has this id and cookie (`ENOENT`; `ESTALE` on kernels that return
    /// `sock_diag_check_cookie`'s answer as it is): it is gone, or another socket took its tuple.
    case noSuchSocket(KernelErrno)
    /// `EPERM` or `EACCES`: no CAP_NET_ADMIN over the socket's network namespace.
    case notPermitted(KernelErrno)
    /// `EOPNOTSUPP`: the kernel was built without CONFIG_INET_DIAG_DESTROY (or has no sock_diag).
    case notSupported(KernelErrno)
    /// Anything else: another errno, no answer, a namespace that could not be entered.
    case failed(KernelErrno?, reason: String)
}

/// What became of one socket `tcpdoctor kill` was asked to destroy: exactly one of these.
public enum KillOutcome: Hashable, Sendable {
    /// A dry run (no `--yes`), or a refused plan: nothing was sent.
    case notAttempted
    /// The kernel destroyed it, and the dump after it no longer shows it.
    case destroyed
    /// It was gone before the request arrived (the kernel found no such socket, and the dump
    /// after shows nothing on its tuple).
    case alreadyGone
    /// Another socket (`cookie`, in `state`) now has its tuple: the old one is gone, and the new
    /// one was left alone, since the request carried the old socket's cookie.
    case replaced(cookie: UInt64, state: TCPState)
    /// The kernel refused, with the errno and what it means.
    case refused(KernelErrno?, reason: String)
    /// This kernel cannot destroy sockets (CONFIG_INET_DIAG_DESTROY is off).
    case notSupported(KernelErrno)
    /// The kernel acknowledged the request, yet the dump after it still shows the socket.
    case survived

    /// The code JSON gives the outcome.
    public var code: String {
        switch self {
        case .notAttempted: "not_attempted"
        case .destroyed: "destroyed"
        case .alreadyGone: "already_gone"
        case .replaced: "replaced"
        case .refused: "refused"
        case .notSupported: "not_supported"
        case .survived: "survived"
        }
    }

    /// Whether the socket asked for is gone: destroyed, already gone, or replaced by another.
    public var isGone: Bool {
        switch self {
        case .destroyed, .alreadyGone, .replaced: true
        case .notAttempted, .refused, .notSupported, .survived: false
        }
    }

    /// The errno the kernel answered, when it matters to the outcome.
    public var errno: KernelErrno? {
        switch self {
        case .refused(let errno, _): errno
        case .notSupported(let errno): errno
        default: nil
        }
    }

    /// A sentence for people: what happened and, for a failure, what to do.
    public var detail: String {
        switch self {
        case .notAttempted: "not attempted"
        case .destroyed: "destroyed: the kernel reset it (the peer got an RST) and it is in no table now"
        case .alreadyGone: "already gone: it closed before the request reached the kernel"
        case .replaced(let cookie, let state):
            "replaced: a new socket (cookie \(cookie), \(state.netstatName)) has its addresses and was left alone"
        case .refused(_, let reason): "refused: \(reason)"
        case .notSupported(let errno):
            "not supported by this kernel (\(errno.name)): it was built without CONFIG_INET_DIAG_DESTROY"
        case .survived: "the kernel acknowledged the request, but the socket is still in its table"
        }
    }

    /// The outcome of a reply, judged against the dump taken after every request was answered.
    ///
    /// - Parameters:
    ///   - reply: The kernel's answer to the request for `socket`.
    ///   - socket: The socket as the snapshot saw it.
    ///   - after: The namespace's sockets after the requests; nil when that dump failed, and the
    ///     reply is then taken at its word.
    public static func judge(_ reply: DestroyReply, for socket: SocketRecord, after: KillVerification?) -> KillOutcome {
        let present = after?.contains(socket) ?? false
        switch reply {
        case .destroyed:
            return present ? .survived : .destroyed
        case .noSuchSocket(let errno):
            if present {
                return .refused(
                    errno,
                    reason: "the kernel found no socket with its id, yet it is still in the table (\(errno.name))"
                )
            }
            if let other = after?.successor(of: socket) { return .replaced(cookie: other.cookie, state: other.state) }
            return .alreadyGone
        case .notPermitted(let errno):
            return .refused(
                errno,
                reason: "\(errno.name): no CAP_NET_ADMIN over the socket's network namespace; run as root there"
            )
        case .notSupported(let errno):
            return .notSupported(errno)
        case .failed(let errno, let reason):
            return .refused(errno, reason: reason)
        }
    }
}

/// The sockets of the namespaces a kill touched, dumped after every request was answered.
public struct KillVerification: Hashable, Sendable {
    /// Cookies of every socket dumped, by namespace.
    private var cookies: Set<Cookie>
    /// The socket on each tuple, by namespace.
    private var tuples: [Tuple: SocketRecord]

    private struct Cookie: Hashable {
        var netns: UInt64
        var cookie: UInt64
    }

    private struct Tuple: Hashable {
        var netns: UInt64
        var local: Endpoint
        var remote: Endpoint
        init(_ socket: SocketRecord) {
            netns = socket.netns
            local = socket.local
            remote = socket.remote
        }
    }

    /// - Parameter sockets: the dump, every state, of the namespaces in question.
    public init(_ sockets: [SocketRecord]) {
        cookies = Set(sockets.map { Cookie(netns: $0.netns, cookie: $0.cookie) })
        tuples = Dictionary(sockets.map { (Tuple($0), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether `socket` itself (its namespace and cookie) is still there.
    public func contains(_ socket: SocketRecord) -> Bool {
        cookies.contains(Cookie(netns: socket.netns, cookie: socket.cookie))
    }

    /// Another socket on `socket`'s tuple (same namespace and addresses, another cookie).
    public func successor(of socket: SocketRecord) -> SocketRecord? {
        guard let other = tuples[Tuple(socket)], other.cookie != socket.cookie else { return nil }
        return other
    }
}
