/// What `free-fds` does to each leaked socket fd of a process.
public enum FDFreeMode: String, Hashable, Sendable, CaseIterable {
    /// `close(fd)` inside the process: the socket, its buffers and the fd slot are freed, and the
    /// fd number can be handed out again to the next file the process opens.
    case close
    /// `dup3(devnull, fd, 0)` inside the process: the socket and its buffers are freed, the fd
    /// number stays taken, pointing at /dev/null, so the application's later `close(fd)` or
    /// `read(fd)` hits /dev/null instead of a file it opened since. The slot is not freed.
    case placeholder

    /// What the mode frees, in a sentence for the report.
    public var frees: String {
        switch self {
        case .close: "closes each fd: frees the socket, its buffers and the fd slot; the number may be reused"
        case .placeholder:
            "points each fd at /dev/null: frees the socket and its buffers; the fd number stays taken"
        }
    }
}
