/// The language runtime a process runs on, so that remedies can be given in its terms.
public enum Runtime: String, Hashable, Sendable, CaseIterable {
    case jvm
    case cpython
    case node
    case go
    case dotnet
    case ruby
    /// A native program (C, C++, Rust...) with no managed runtime recognised.
    case native

    /// The name people use, such as `Java (JVM)`.
    public var displayName: String {
        switch self {
        case .jvm: "Java (JVM)"
        case .cpython: "Python (CPython)"
        case .node: "Node.js"
        case .go: "Go"
        case .dotnet: ".NET"
        case .ruby: "Ruby"
        case .native: "native code"
        }
    }
}

/// What tcpdoctor recognised about a process's runtime, and from what.
public struct RuntimeIdentity: Hashable, Sendable {
    public var runtime: Runtime
    /// A well-known server, such as `nginx`, `haproxy`, `envoy`, `postgres`, `redis-server`, `tomcat`.
    public var server: String?
    /// What gave it away, such as `exe /usr/bin/python3.11` or `maps: libjvm.so`.
    public var evidence: String

    public init(runtime: Runtime, server: String? = nil, evidence: String) {
        self.runtime = runtime
        self.server = server
        self.evidence = evidence
    }
}
