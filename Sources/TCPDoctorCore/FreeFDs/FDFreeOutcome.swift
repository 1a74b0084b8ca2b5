/// What `free-fds` did with one planned fd.
public struct FDFreeOutcome: Hashable, Sendable {
    public enum Result: Hashable, Sendable {
        /// Dry run: the fd would be freed with `--yes`.
        case planned
        /// `close(fd)` returned 0 inside the process.
        case closed
        /// `dup3(devnull, fd, 0)` returned `fd`: it now points at /dev/null.
        case replaced
        /// Checked while the process was stopped, the fd no longer referred to the planned
        /// socket (the process closed it, or reused the number): left alone. `inode` is what it
        /// referred to then (nil: not open, or not a file `fstat` could read).
        case changed(inode: UInt64?)
        /// The injected call returned -`errno` (`call`: `close`, `dup3`), or the check failed.
        case failed(call: String, errno: Int32)
        /// Not attempted: an earlier step failed, or the process exited (`reason` says which).
        case notAttempted(reason: String)
    }

    public var target: FDFreePlan.Target
    public var result: Result

    public init(target: FDFreePlan.Target, result: Result) {
        self.target = target
        self.result = result
    }

    /// The word JSON and the table give for the result.
    public var word: String {
        switch result {
        case .planned: "planned"
        case .closed: "closed"
        case .replaced: "replaced"
        case .changed: "changed"
        case .failed: "failed"
        case .notAttempted: "not-attempted"
        }
    }

    /// Whether the socket's reference from this fd is gone.
    public var freed: Bool { result == .closed || result == .replaced }
}
