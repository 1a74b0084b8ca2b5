import SystemPackage
import TCPDoctorSystem

/// An open network namespace file (`/proc/PID/ns/net`, `/var/run/netns/NAME`), owned and closed
/// in `deinit`.
///
/// Holding the descriptor keeps the namespace alive and pins its identity: a pid that exits and is
/// reused cannot swap another namespace in behind the path between two dumps. Discovery keeps one
/// per namespace (`NamespaceLocation`) for as long as the snapshot is taken. `Sendable`: every
/// property is immutable, and the descriptor is only closed in `deinit`.
final class NetworkNamespaceFile: Sendable {
    let path: String
    let descriptor: Int32
    /// The namespace's inode: what `readlink /proc/PID/ns/net` shows as `net:[INODE]`.
    let inode: UInt64

    /// Opens `path` read-only with O_CLOEXEC.
    ///
    /// - Throws: `.namespaceUnavailable` when the file is missing or not a file, `.permissionDenied`.
    init(path: String) throws(LinuxError) {
        let descriptor: Int32
        switch systemOpenReadOnly(path) {
        case .success(let fd): descriptor = fd
        case .failure(let errno): throw Self.error(errno, "cannot open the network namespace file \(path)")
        }
        switch systemInode(ofDescriptor: descriptor) {
        case .success(let inode): self.inode = inode
        case .failure(let errno):
            closeDescriptor(descriptor)
            throw Self.error(errno, "cannot stat the network namespace file \(path)")
        }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { closeDescriptor(descriptor) }

    /// Runs `body` on a new thread that has entered this namespace, and returns its result.
    ///
    /// The caller's thread never changes namespace: `setns(CLONE_NEWNET)` is made by a thread
    /// created for the purpose, which ends with `body`. That avoids leaving a shared thread (a
    /// Swift concurrency pool thread, say) in the wrong namespace if switching back failed, at the
    /// cost of one thread creation (tens of microseconds). Sockets created by `body` stay bound to
    /// this namespace for their whole life.
    ///
    /// - Throws: `.permissionDenied` without CAP_SYS_ADMIN, `.namespaceUnavailable` when the file
    ///   is not a network namespace, `.systemCall` when no thread can be created.
    func withThreadInside<Result>(_ body: () -> Result) throws(LinuxError) -> Result {
        var result: Result?
        var entryError: Errno?
        let fd = descriptor
        let ran = systemRunOnNewThread {
            switch systemEnterNetworkNamespace(fd) {
            case .success: result = body()
            case .failure(let errno): entryError = errno
            }
        }
        if case .failure(let errno) = ran {
            throw LinuxError(.systemCall, "cannot start a thread to enter the network namespace \(path)", errno: errno)
        }
        if let entryError {
            throw Self.error(entryError, "cannot enter the network namespace \(path) (setns)")
        }
        guard let result else {
            throw LinuxError(.systemCall, "the thread entering the network namespace \(path) returned nothing")
        }
        return result
    }

    private static func error(_ errno: Errno, _ message: String) -> LinuxError {
        switch errno {
        case .permissionDenied, .notPermitted: LinuxError(.permissionDenied, message, errno: errno)
        case .noSuchFileOrDirectory, .invalidArgument, .notDirectory, .noSuchProcess:
            LinuxError(.namespaceUnavailable, message, errno: errno)
        default: LinuxError(.systemCall, message, errno: errno)
        }
    }
}

/// The inode that identifies a network namespace, as `SocketRecord.netns` and
/// `NetworkNamespace.inode` hold it.
public enum NetworkNamespaceInode {
    /// The inode of the namespace file at `path` (`/proc/PID/ns/net`, `/var/run/netns/NAME`).
    ///
    /// - Throws: `.namespaceUnavailable` when the file is missing, `.permissionDenied`.
    public static func of(path: String) throws(LinuxError) -> UInt64 {
        try NetworkNamespaceFile(path: path).inode
    }

    /// The inode of the calling thread's network namespace (`/proc/thread-self/ns/net`).
    public static func ofCurrentThread() throws(LinuxError) -> UInt64 {
        try of(path: "/proc/thread-self/ns/net")
    }
}
