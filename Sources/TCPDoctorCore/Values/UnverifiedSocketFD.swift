/// A TCP socket fd in no kernel table that tcpdoctor could not confirm as dead.
///
/// Being in no dump is not proof of a leak: the socket may have been created after the dump, may
/// have been reset a moment ago and be about to be closed, or may be one tcpdoctor had no right
/// to look at. What could not be confirmed is listed with its reason so that a person can look,
/// and is never a `dead-socket-fds` finding.
public struct UnverifiedSocketFD: Hashable, Sendable {
    /// Why the fd could not be confirmed, as a short machine word (docs/json.md).
    public enum Reason: String, Hashable, Sendable, CaseIterable {
        /// `pidfd_open` or `pidfd_getfd` was refused (EPERM, EACCES): no CAP_SYS_PTRACE, Yama
        /// `ptrace_scope` >= 1, a seccomp profile (containers) or another real uid than the holder's.
        case pidfdGetfdDenied = "pidfd_getfd-denied"
        /// The kernel has no `pidfd_open` or `pidfd_getfd` (before Linux 5.6): ENOSYS.
        case noPidfd = "no-pidfd"
        /// `pidfd_open` or `pidfd_getfd` failed for another reason (`detail` names the errno).
        case pidfdGetfdFailed = "pidfd_getfd-failed"
        /// The duplicate answered no `TCP_INFO`.
        case tcpInfoUnavailable = "tcp-info-unavailable"
        /// A closed socket that carried a connection, but active more recently than
        /// `dead-socket-fds.min-idle-seconds`: its holder may be about to close it.
        case notIdleLongEnough = "not-idle-long-enough"
    }

    public var owner: SocketOwner
    public var inode: UInt64
    /// The socket's protocol name from `system.sockprotoname`: `TCP` or `TCPv6`.
    public var protocolName: String
    public var reason: Reason
    /// The same for people: the errno, or how long the socket has been idle.
    public var detail: String

    public init(owner: SocketOwner, inode: UInt64, protocolName: String, reason: Reason, detail: String) {
        self.owner = owner
        self.inode = inode
        self.protocolName = protocolName
        self.reason = reason
        self.detail = detail
    }
}
