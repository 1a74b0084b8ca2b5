import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Asks the kernel which protocol a socket fd speaks, from the `system.sockprotoname` xattr.
///
/// The fd walk sees only `socket:[INODE]`; a socket that is in no TCP dump may be a UNIX or UDP
/// socket, or a TCP socket the kernel has reset or destroyed while the fd stays open (the leak
/// `SO_KEEPALIVE` hides). sockfs answers `getxattr(/proc/PID/fd/N, "system.sockprotoname")` with
/// the protocol's `proto->name`: `TCP`, `TCPv6`, `UDP`, `UNIX-STREAM`, `NETLINK`...
///
/// Verified on Linux 6.18: a TCP socket that was reset by the peer (RST after SO_LINGER 0), whose
/// connect was refused, or that was never bound is in neither `/proc/net/tcp` nor the inet_diag
/// dump, and says `TCP`. A socket that is bound but neither listening nor connected is missing
/// from `/proc/net/tcp` and from a dump of the usual states, but appears (as CLOSE) when
/// `idiag_states` also has bit 13, the kernel's internal `TCP_BOUND_INACTIVE`. So "TCP and in no
/// dump" means reset/destroyed *or never connected*; the probe cannot tell these apart.
public struct SocketProtocolProbe: Sendable {
    /// The procfs mount.
    public var procRoot: String

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// The protocol name of the socket `owner` holds.
    ///
    /// - Parameters:
    ///   - owner: The (pid, fd) to ask about.
    ///   - inode: When given, the socket inode the fd must still refer to: fd numbers are reused,
    ///     and an answer about a newer socket would be wrong.
    /// - Returns: The name, or nil when the fd was closed (or now refers to another inode), the
    ///   process exited, or the fd is not a socket.
    /// - Throws: `LinuxError.permissionDenied` when the process's fds cannot be read, another
    ///   `LinuxError` for any other failure.
    public func protocolName(of owner: SocketOwner, inode: UInt64? = nil) throws(LinuxError) -> String? {
        let path = "\(procRoot)/\(owner.pid)/fd/\(owner.fd)"
        let result: Result<String?, Errno> = path.withCString { cPath in
            if let inode {
                switch procStatAt(AT_FDCWD, cPath) {
                case .success(let info):
                    guard UInt64(info.st_ino) == inode, info.st_mode & S_IFMT == S_IFSOCK else { return .success(nil) }
                case .failure(let error): return .failure(error)
                }
            }
            return withUnsafeTemporaryAllocation(byteCount: 128, alignment: 1) { buffer in
                switch procGetXAttr(cPath, "system.sockprotoname", buffer) {
                case .success(let length):
                    // The kernel counts the terminating NUL in the length.
                    var end = min(length, buffer.count)
                    while end > 0 && buffer[end - 1] == 0 { end -= 1 }
                    return .success(ProcBytes.string(UnsafeRawBufferPointer(rebasing: buffer[..<end])))
                case .failure(let error): return .failure(error)
                }
            }
        }
        switch result {
        case .success(let name): return name
        // ENOENT/ESRCH: fd closed or process gone; EOPNOTSUPP/ENODATA: not a socket.
        case .failure(let error) where error.meansVanished: return nil
        case .failure(.notSupported), .failure(.noData): return nil
        case .failure(let error) where error.meansPermissionDenied:
            throw LinuxError(.permissionDenied, "cannot read the protocol of \(path)", errno: error)
        case .failure(let error):
            throw LinuxError(.systemCall, "cannot read the protocol of \(path)", errno: error)
        }
    }

    /// Socket fds whose socket is TCP but in no dump: reset, destroyed, or never connected.
    ///
    /// One holder per inode is asked (the next if that one has gone or is unreadable); every
    /// holder of a TCP inode is reported. Cost: two syscalls per socket inode that is in no dump,
    /// so on a host with many UNIX sockets pass only what the walk found, not more.
    ///
    /// - Parameters:
    ///   - owners: The fd walk's holders.
    ///   - isInDump: Whether an inode appeared in some TCP dump (any namespace).
    public func deadTCPSockets(
        in owners: SocketOwnerTable,
        isInDump: (UInt64) -> Bool
    ) -> [DeadSocketFD] {
        var dead: [DeadSocketFD] = []
        owners.forEachSocket { inode, holders in
            guard !isInDump(inode) else { return }
            for holder in holders {
                guard let name = try? protocolName(of: holder, inode: inode) else { continue }
                if name == "TCP" || name == "TCPv6" {
                    for owner in holders { dead.append(DeadSocketFD(owner: owner, inode: inode, protocolName: name)) }
                }
                return
            }
        }
        return dead
    }
}
