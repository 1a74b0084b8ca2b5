import SystemPackage
import TCPDoctorCore

/// Enumerates the TCP sockets of one network namespace through `NETLINK_SOCK_DIAG`.
///
/// One client owns one netlink socket, created in the caller's namespace or, given a namespace
/// file, inside that namespace (see `NetworkNamespaceFile.withThreadInside`: the caller's thread
/// is never moved). Dumps stream each socket to a closure as datagrams arrive, so that the caller
/// can build its owner map while the kernel is still dumping. A client is meant for one thread at
/// a time: create it on the thread or task that dumps.
public final class SockDiagClient {
    /// The inode of the namespace the socket lives in; 0 if `/proc/thread-self/ns/net` could not
    /// be read for the caller's own namespace.
    public let namespaceInode: UInt64
    private let namespace: NetworkNamespaceFile?
    private let receiveTimeout: Duration
    private let fault: NetlinkFault?
    /// Internal rather than private so that tests can leave a dump unfinished on it.
    var socket: NetlinkSocket
    /// `nlmsg_seq` of the last request; each dump uses the next, so that replies left over from
    /// an abandoned dump are recognised and skipped.
    var sequence: UInt32 = 0
    /// Set while a dump is in progress; still set after a failed dump, whose unread remainder
    /// would make the kernel refuse the next request on this socket (EBUSY: a dump is running).
    var needsFreshSocket = false
    /// Set once the kernel refused a dump of both families at once (`dumpBothFamilies`).
    private var bothFamiliesRefused = false

    /// Opens a client in the caller's network namespace, or in the one at `namespacePath`.
    ///
    /// - Parameter namespacePath: `/proc/PID/ns/net`, `/var/run/netns/NAME`, `/proc/self/fd/N`;
    ///   nil for the calling thread's namespace. Entering another namespace needs CAP_SYS_ADMIN.
    /// - Throws: `LinuxError`: `.netlinkUnavailable` when the kernel has no sock_diag (fall back to
    ///   /proc/net/tcp), `.permissionDenied`, `.namespaceUnavailable`.
    public convenience init(namespacePath: String? = nil) throws(LinuxError) {
        try self.init(namespace: namespacePath.map { path throws(LinuxError) in try NetworkNamespaceFile(path: path) })
    }

    /// Opens a client inside an already open namespace file (nil: the caller's namespace).
    ///
    /// - Parameters:
    ///   - receiveTimeout: how long each receive waits for the kernel before `.netlinkTimedOut`.
    ///   - fault: an error to report at one step in place of the kernel's (tests only).
    init(
        namespace: NetworkNamespaceFile?,
        receiveTimeout: Duration = NetlinkSocket.defaultReceiveTimeout,
        fault: NetlinkFault? = nil
    ) throws(LinuxError) {
        if let namespace {
            self.socket = try NetlinkSocket(namespace: namespace, receiveTimeout: receiveTimeout, fault: fault)
            self.namespaceInode = namespace.inode
        } else {
            self.socket = try NetlinkSocket(receiveTimeout: receiveTimeout, fault: fault)
            self.namespaceInode = (try? NetworkNamespaceInode.ofCurrentThread()) ?? 0
        }
        self.namespace = namespace
        self.receiveTimeout = receiveTimeout
        self.fault = fault
    }

    /// Dumps every socket matching `query` and hands each to `body` as it is decoded.
    ///
    /// One kernel dump per family in `query.families`. If the kernel flags a dump as interrupted
    /// (`NLM_F_DUMP_INTR`: the tables changed under it), the records already streamed stand and the
    /// summary says so; `records(_:netns:)` retries instead.
    ///
    /// - Parameters:
    ///   - query: families, states and extensions to ask for.
    ///   - netns: the namespace inode to put in each record; nil for `namespaceInode`.
    ///   - body: called once per socket, on the calling thread, in the kernel's order.
    /// - Returns: counts over all families.
    /// - Throws: `LinuxError`: `.netlinkProtocol` for a malformed reply (with the byte offset),
    ///   `.permissionDenied` or `.netlinkUnavailable` when the kernel refuses, `.netlinkTimedOut`
    ///   or `.netlinkInterrupted` when no reply arrives, `.systemCall`.
    @discardableResult
    public func dump(
        _ query: SockDiagQuery,
        netns: UInt64? = nil,
        _ body: (SocketRecord) -> Void
    ) throws(LinuxError) -> SockDiagDumpSummary {
        var summary = SockDiagDumpSummary()
        for family in query.families {
            try dumpOnce(family, query: query, netns: netns ?? namespaceInode, summary: &summary, body)
        }
        return summary
    }

    /// Dumps every socket matching `query` into an array, retrying once a dump the kernel flags
    /// as interrupted.
    ///
    /// - Returns: the records, and the summary of the dump that produced them (still
    ///   `interrupted` if the retry was interrupted too).
    public func records(
        _ query: SockDiagQuery,
        netns: UInt64? = nil
    ) throws(LinuxError) -> (records: [SocketRecord], summary: SockDiagDumpSummary) {
        var records: [SocketRecord] = []
        var summary = try dump(query, netns: netns) { records.append($0) }
        if summary.interrupted {
            records.removeAll(keepingCapacity: true)
            summary = try dump(query, netns: netns) { records.append($0) }
        }
        return (records, summary)
    }

    /// Dumps both families in one walk of the kernel's tables (`InetDiagRequest.encodeBothFamilies`).
    ///
    /// - Returns: the summary, or nil when the kernel refused the request before sending any
    ///   socket (a kernel without the older request type): dump per family instead. The refusal
    ///   is remembered, so the next call returns nil at once.
    /// - Throws: as `dump(_:netns:_:)`, for every other failure.
    public func dumpBothFamilies(
        _ query: SockDiagQuery,
        netns: UInt64? = nil,
        _ body: (SocketRecord) -> Void
    ) throws(LinuxError) -> SockDiagDumpSummary? {
        guard !bothFamiliesRefused else { return nil }
        var summary = SockDiagDumpSummary()
        do throws(LinuxError) {
            try dumpOnce(nil, query: query, netns: netns ?? namespaceInode, summary: &summary, body)
        } catch  where summary.records == 0 && (error.code == .netlinkUnavailable || error.code == .netlinkProtocol) {
            guard error.errno != nil else { throw error }
            bothFamiliesRefused = true
            return nil
        }
        return summary
    }

    /// One dump: of `family`, or of both families when nil.
    private func dumpOnce(
        _ family: IPAddress.Family?,
        query: SockDiagQuery,
        netns: UInt64,
        summary: inout SockDiagDumpSummary,
        _ body: (SocketRecord) -> Void
    ) throws(LinuxError) {
        if needsFreshSocket {
            if let namespace {
                socket = try NetlinkSocket(namespace: namespace, receiveTimeout: receiveTimeout, fault: fault)
            } else {
                socket = try NetlinkSocket(receiveTimeout: receiveTimeout, fault: fault)
            }
        }
        needsFreshSocket = true
        sequence &+= 1
        let dump = Self.dumpName(family)
        let options = InetDiagDecoder.Options(
            includeInfo: query.includeInfo,
            includeShutdown: query.includeShutdown,
            sequence: sequence,
            netns: netns
        )
        let request =
            family.map {
                InetDiagRequest.encode(
                    family: $0,
                    states: query.states,
                    includeInfo: query.includeInfo,
                    sequence: sequence
                )
            }
            ?? InetDiagRequest.encodeBothFamilies(
                states: query.states,
                includeInfo: query.includeInfo,
                sequence: sequence
            )
        do throws(LinuxError) { try socket.send(request) } catch { throw error.during(dump) }
        var streamOffset = 0
        var datagrams = 0
        while true {
            let datagram: UnsafeRawBufferPointer
            do throws(LinuxError) { datagram = try socket.receive() } catch { throw error.during(dump) }
            let progress: InetDiagDecoder.Progress
            do {
                progress = try InetDiagDecoder.decode(datagram, options: options, baseOffset: streamOffset, body)
            } catch {
                throw Self.linuxError(error, family: family, datagram: datagrams)
            }
            datagrams += 1
            streamOffset += datagram.count
            summary.add(progress, bytes: datagram.count)
            if progress.finished { break }
        }
        needsFreshSocket = false
    }

    /// The `LinuxError` for a decoding fault or a kernel refusal.
    static func linuxError(_ error: NetlinkReplyError, family: IPAddress.Family?, datagram: Int) -> LinuxError {
        let dump = dumpName(family)
        switch error.reason {
        case .kernelError(let errno), .dumpFailed(let errno):
            let message = "the kernel refused \(dump) (\(error))"
            switch errno {
            case .notPermitted, .permissionDenied:
                return LinuxError(.permissionDenied, message, errno: errno)
            case .noSuchFileOrDirectory, .notSupported, .protocolNotSupported, .addressFamilyNotSupported:
                // sock_diag answers ENOENT when no inet_diag handler for the family is loaded.
                return LinuxError(.netlinkUnavailable, message, errno: errno)
            default:
                return LinuxError(.netlinkProtocol, message, errno: errno)
            }
        default:
            return LinuxError(.netlinkProtocol, "malformed reply to \(dump), datagram \(datagram): \(error)")
        }
    }

    private static func dumpName(_ family: IPAddress.Family?) -> String {
        switch family {
        case .ipv4?: "the sock_diag dump of IPv4 TCP sockets"
        case .ipv6?: "the sock_diag dump of IPv6 TCP sockets"
        case nil: "the sock_diag dump of IPv4 and IPv6 TCP sockets"
        }
    }
}

extension LinuxError {
    /// The same error with the operation it interrupted in front: "the sock_diag dump of IPv4
    /// TCP sockets: the kernel sent no reply within 10.0 seconds (timed out)".
    func during(_ operation: String) -> LinuxError {
        LinuxError(code, "\(operation): \(message)", errno: errno)
    }
}

/// Counts from one `SockDiagClient.dump`, over every family.
public struct SockDiagDumpSummary: Sendable, Hashable {
    /// Sockets handed to the body.
    public var records = 0
    /// The kernel flagged a dump as interrupted (`NLM_F_DUMP_INTR`): sockets may be missing or
    /// repeated.
    public var interrupted = false
    /// Sockets skipped because their state is unknown to tcpdoctor.
    public var unknownStates = 0
    /// Messages skipped because they answered an earlier request.
    public var staleMessages = 0
    public var datagrams = 0
    public var bytes = 0

    public init() {}

    mutating func add(_ progress: InetDiagDecoder.Progress, bytes: Int) {
        records += progress.records
        interrupted = interrupted || progress.interrupted
        unknownStates += progress.unknownStates
        staleMessages += progress.staleMessages
        datagrams += 1
        self.bytes += bytes
    }
}
