/// A network namespace on the host, identified by the inode of its `ns/net` file.
public struct NetworkNamespace: Hashable, Sendable {
    /// The inode of `/proc/PID/ns/net` (what `readlink` shows as `net:[INODE]`).
    public var inode: UInt64
    /// Names under `/var/run/netns` that refer to it (`ip netns`), sorted.
    public var names: [String]
    /// Pids of processes inside it, lowest first (at most a few are kept).
    public var pids: [Int32]
    /// Whether this is the namespace tcpdoctor itself runs in.
    public var isHost: Bool

    public init(inode: UInt64, names: [String] = [], pids: [Int32] = [], isHost: Bool = false) {
        self.inode = inode
        self.names = names
        self.pids = pids
        self.isHost = isHost
    }

    /// A short label: the first name, `host`, or `pid N`, else `net:[INODE]`.
    public var label: String {
        if isHost { return "host" }
        if let name = names.first { return name }
        if let pid = pids.first { return "pid \(pid)" }
        return "net:[\(inode)]"
    }
}
