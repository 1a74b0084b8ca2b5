import TCPDoctorCore

/// A network namespace and a path that opens to it, for `setns(2)`.
public struct NamespaceLocation: Hashable, Sendable {
    public var namespace: NetworkNamespace
    /// `/var/run/netns/NAME` when the namespace has a name, `/proc/self/ns/net` for our own, else
    /// `/proc/PID/ns/net` of its lowest pid (valid only while that process lives).
    public var path: String

    public init(namespace: NetworkNamespace, path: String) {
        self.namespace = namespace
        self.path = path
    }
}
