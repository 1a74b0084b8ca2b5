import CSockDiag

/// Tells a socket the kernel reset or destroyed from one that merely is in no table we read.
///
/// A TCP socket fd can be in no dump because the connection was reset or destroyed (the leak),
/// but also because it was only created or bound, was created after the dump, or lives in a
/// namespace that was not read. A duplicate of the fd (pidfd_getfd) answers through `TCP_INFO`:
/// its state, and whether it ever exchanged a segment.
enum DetachedSocketInspector {
    enum Verdict: Hashable {
        /// Closed after carrying a connection: in no table, fd still open.
        case detached
        /// Closed and never connected: a fresh or only bound socket.
        case neverConnected
        /// In some state other than CLOSE: in a table we did not read, or created since.
        case alive
        /// Cannot tell: kernel before 5.6, no right to ptrace the holder, fd or process gone.
        case undecided
    }

    /// The kernel's `TCP_CLOSE`.
    private static let closed: UInt8 = 7

    static func inspect(pid: Int32, fd: Int32) -> Verdict {
        guard case .success(let duplicate) = snapshotDuplicateDescriptor(pid: pid, fd: fd) else { return .undecided }
        defer { closeDescriptor(duplicate) }
        guard case .success(let info) = snapshotTCPInfo(duplicate) else { return .undecided }
        guard info.tcpi_state == closed else { return .alive }
        return info.tcpi_segs_in > 0 || info.tcpi_segs_out > 0 ? .detached : .neverConnected
    }
}
