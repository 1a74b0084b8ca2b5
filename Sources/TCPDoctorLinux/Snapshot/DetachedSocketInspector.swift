import CSockDiag

/// Tells a socket the kernel reset or destroyed from one that was never connected.
///
/// Both are TCP socket fds in no kernel table: a fresh `socket()` (or one only bound) is not
/// hashed yet, and a reset connection has been unhashed. Only the second is a leak. A
/// duplicate of the fd (pidfd_getfd) answers through `TCP_INFO`: a socket that ever exchanged a
/// segment has `tcpi_segs_in` or `tcpi_segs_out` above zero.
enum DetachedSocketInspector {
    /// Whether the socket behind (`pid`, `fd`) ever sent or received a segment; nil when that
    /// cannot be told (kernel before 5.6, no ptrace right, the fd or process has gone).
    static func everConnected(pid: Int32, fd: Int32) -> Bool? {
        guard case .success(let duplicate) = snapshotDuplicateDescriptor(pid: pid, fd: fd) else { return nil }
        defer { closeDescriptor(duplicate) }
        guard case .success(let info) = snapshotTCPInfo(duplicate) else { return nil }
        return info.tcpi_segs_in > 0 || info.tcpi_segs_out > 0
    }
}
