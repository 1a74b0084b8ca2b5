import TCPDoctorCore

/// A network namespace, the file that was opened to find it, and a path that opens to it.
///
/// A namespace is identified by inode when it is found, and read later: in between, the process
/// whose `/proc/PID/ns/net` led to it may exit and its pid go to a process of another namespace,
/// or `ip netns delete` and `add` may bind the name to a new one. Reopening the path would then
/// read that other namespace under the old label. So discovery keeps the file it opened (which
/// also keeps the namespace alive), and a location made from a path alone checks, when opened,
/// that the path still leads to the namespace it names.
public struct NamespaceLocation: Hashable, Sendable {
    public var namespace: NetworkNamespace
    /// `/var/run/netns/NAME` when the namespace has a name, `/proc/self/ns/net` for our own, else
    /// `/proc/PID/ns/net` of its lowest pid (valid only while that process lives).
    public var path: String
    /// The namespace file opened at discovery; nil when it could not be opened then or the
    /// location was made from a path.
    let file: NetworkNamespaceFile?

    /// A location to be opened by path when it is read (`open()` checks the inode then).
    public init(namespace: NetworkNamespace, path: String) {
        self.init(namespace: namespace, path: path, file: nil)
    }

    init(namespace: NetworkNamespace, path: String, file: NetworkNamespaceFile?) {
        self.namespace = namespace
        self.path = path
        self.file = file
    }

    /// The namespace file to enter: the one held since discovery, else `path` opened now.
    ///
    /// - Throws: `.namespaceUnavailable` when the file is not, or no longer, the namespace with
    ///   inode `namespace.inode` (its pid was reused, its name rebound); as
    ///   `NetworkNamespaceFile.init(path:)` when `path` cannot be opened.
    func open() throws(LinuxError) -> NetworkNamespaceFile {
        let opened: NetworkNamespaceFile
        if let file { opened = file } else { opened = try NetworkNamespaceFile(path: path) }
        guard opened.inode == namespace.inode else {
            throw Self.moved(path: path, leadsTo: opened.inode, expected: namespace.inode)
        }
        return opened
    }

    /// The error for a path that no longer leads to the namespace found through it.
    static func moved(path: String, leadsTo found: UInt64, expected: UInt64) -> LinuxError {
        LinuxError(
            .namespaceUnavailable,
            "\(path) now leads to network namespace net:[\(found)], not to net:[\(expected)] found at discovery "
                + "(its process exited and the pid was reused, or the name was bound anew)"
        )
    }

    public static func == (a: NamespaceLocation, b: NamespaceLocation) -> Bool {
        a.namespace == b.namespace && a.path == b.path
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(namespace)
        hasher.combine(path)
    }
}
