import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Tells a socket the kernel reset or destroyed from one that merely is in no table we read.
///
/// A TCP socket fd can be in no dump because the connection was reset or destroyed (the leak),
/// but also because it was only created or bound, its connect() was refused, it was created
/// after the dump, or it lives in a namespace that was not read. A duplicate of the fd
/// (pidfd_getfd) answers: `fstat` says whether it is still the socket the walk saw, `SO_PROTOCOL`
/// that it is TCP, and `TCP_INFO` its state, whether it ever completed a handshake and how long
/// it has been idle. Without a duplicate nothing is confirmed.
enum DetachedSocketInspector {
    enum Verdict: Hashable {
        /// The socket the walk saw, TCP, closed after carrying a connection, idle this long.
        case detached(idleMilliseconds: UInt32)
        /// Not a dead socket: in some state other than CLOSE (a table we did not read, or created
        /// since), never connected (fresh, bound, or its connect() refused), another file now
        /// behind the fd number, or the fd or its process gone.
        case notDead
        /// Cannot tell, and why.
        case undecided(UnverifiedSocketFD.Reason, detail: String)
    }

    /// The kernel's `TCP_CLOSE`.
    private static let closed: UInt8 = 7

    /// Looks at fd `fd` of `pid`, which the fd walk saw as `socket:[inode]`.
    static func inspect(pid: Int32, fd: Int32, inode: UInt64) -> Verdict {
        let duplicate: Int32
        switch systemDuplicateDescriptor(pid: pid, fd: fd) {
        case .success(let descriptor): duplicate = descriptor
        case .failure(let failure): return verdict(failure, pid: pid, fd: fd)
        }
        defer { closeDescriptor(duplicate) }
        // fd numbers are reused: a duplicate of another file says nothing about the walk's socket,
        // which then was closed (not a leak).
        guard case .success(let status) = systemFStat(duplicate), status.st_mode & S_IFMT == S_IFSOCK,
            UInt64(status.st_ino) == inode
        else { return .notDead }
        switch systemSocketProtocol(duplicate) {
        case .success(let proto) where proto != Int32(IPPROTO_TCP): return .notDead
        case .success: break
        case .failure(let error):
            return .undecided(.tcpInfoUnavailable, detail: "getsockopt(SO_PROTOCOL) of the duplicate failed: \(error)")
        }
        let info: csd_tcp_info
        switch systemTCPInfo(duplicate) {
        case .success(let answer): info = answer
        case .failure(let error):
            return .undecided(.tcpInfoUnavailable, detail: "getsockopt(TCP_INFO) of the duplicate failed: \(error)")
        }
        guard info.tcpi_state == closed, carriedConnection(info) else { return .notDead }
        return .detached(idleMilliseconds: idleMilliseconds(info))
    }

    /// Whether the socket ever completed a handshake.
    ///
    /// The kernel measures a round trip only from an answered SYN or SYN-ACK (or acknowledged
    /// data), so `tcpi_rtt` is 0 on a socket that never connected. Segment counts do not tell:
    /// a non-blocking connect() refused by an RST shows one segment out and one in (checked on
    /// Linux 6.18), and its idle times count from boot because its timestamps were never set.
    static func carriedConnection(_ info: csd_tcp_info) -> Bool {
        info.tcpi_rtt > 0 || info.tcpi_bytes_acked > 0 || info.tcpi_bytes_received > 0
    }

    /// Time since the socket last sent data, received data or received an ACK, the least of the
    /// three; a reset does not restart these clocks, so it counts from the last exchange.
    static func idleMilliseconds(_ info: csd_tcp_info) -> UInt32 {
        min(info.tcpi_last_data_sent, info.tcpi_last_data_recv, info.tcpi_last_ack_recv)
    }

    private static func verdict(_ failure: SystemCallError, pid: Int32, fd: Int32) -> Verdict {
        let what = "\(failure.call) of pid \(pid) fd \(fd): \(failure.errno)"
        switch failure.errno {
        // The process exited or closed the fd since the walk: nothing is held any more.
        case .noSuchProcess, .badFileDescriptor: return .notDead
        case .notPermitted, .permissionDenied:
            return .undecided(
                .pidfdGetfdDenied,
                detail: "\(what); duplicating another process's fd needs the right to ptrace it "
                    + "(root or CAP_SYS_PTRACE; Yama ptrace_scope and seccomp profiles can forbid it)"
            )
        case .noFunction:
            return .undecided(.noPidfd, detail: "\(what); pidfd_getfd needs Linux 5.6 or later")
        default:
            return .undecided(.pidfdGetfdFailed, detail: what)
        }
    }
}
