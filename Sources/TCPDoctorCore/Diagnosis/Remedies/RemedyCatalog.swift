/// A problem whose fix is written differently in each runtime.
public enum RemedyTopic: String, Hashable, Sendable, CaseIterable {
    /// CLOSE_WAIT leak: the application does not close sockets whose peer has closed.
    case closeWait = "close-wait"
    /// Socket fds kept after the kernel reset or destroyed the connection.
    case deadSocketFDs = "dead-socket-fds"
    /// Short connections toward one destination: reuse them (TIME_WAIT on the client).
    case connectionReuse = "connection-reuse"
    /// A server that closes every connection first (TIME_WAIT on the server).
    case serverClosesFirst = "server-closes-first"
    /// Connections held by several processes after fork or exec.
    case sharedSocket = "shared-socket"
    /// Connections toward a destination that does not answer.
    case connectTimeout = "connect-timeout"
    /// Accept queues that fill up.
    case acceptQueue = "accept-queue"
    /// Half-closed sockets held after shutdown(SHUT_WR).
    case halfClosed = "half-closed"
    /// How to raise a process's open-file limit, once the leak is fixed.
    case fileLimit = "file-limit"
}

/// What to change for one topic: generic advice, then the same in each runtime's and server's terms.
public struct RemedyEntry: Hashable, Sendable {
    /// Advice that holds whatever the runtime.
    public var generic: [String]
    /// Advice in a runtime's terms, shown before the generic advice.
    public var runtimes: [Runtime: [String]]
    /// Advice for a well-known server, by `RuntimeIdentity.server` (such as `nginx`).
    public var servers: [String: [String]]
    /// The indexes of `generic` lines that a runtime's own lines say again in its terms.
    ///
    /// When that runtime is recognised the generic line is left out: two lines saying "close the
    /// socket when read() returns 0", one generic and one for native code, are one remedy.
    public var covered: [Runtime: Set<Int>]

    public init(
        generic: [String],
        runtimes: [Runtime: [String]] = [:],
        servers: [String: [String]] = [:],
        covered: [Runtime: Set<Int>] = [:]
    ) {
        self.generic = generic
        self.runtimes = runtimes
        self.servers = servers
        self.covered = covered
    }
}

/// Remedies in the culprit's terms: the catalog (`RemedyCatalog.entries`) and its lookup.
public enum RemedyCatalog {
    /// Every topic's generic lines: advice that holds whatever the process, which a report for
    /// people gives once rather than under every finding.
    public static let genericLines: Set<String> = Set(entries.values.flatMap(\.generic))

    /// The remedies for `topic`, in the terms of the culprits' runtimes, most specific first.
    ///
    /// A recognised server gets its configuration advice, plus its runtime's when that is a
    /// managed one (Tomcat's leak is usually the web application's own Java code). A runtime
    /// gets its lines prefixed with its name. The symptom's own lines follow (where to look in the
    /// code), then the generic advice, except the lines a recognised runtime's advice already says
    /// in its terms (`RemedyEntry.covered`). When no culprit's
    /// runtime was recognised, or no culprit is known, the last line says the advice is generic.
    ///
    /// - Parameters:
    ///   - topic: The problem.
    ///   - processes: The culprits, as read; empty when the owner is unknown.
    ///   - symptom: Lines about this very finding, put after the runtime's and before the generic ones.
    ///   - unknownOwner: The last line when `processes` is empty.
    /// - Returns: Remedy sentences, without duplicates.
    public static func remedies(
        for topic: RemedyTopic,
        processes: [TCPProcess],
        symptom: [String] = [],
        unknownOwner: String = "The owning process is unknown, so this advice is generic."
    ) -> [String] {
        let entry = entries[topic] ?? RemedyEntry(generic: [])
        var lines: [String] = []
        func add(_ line: String) { if !lines.contains(line) { lines.append(line) } }
        var recognised = false
        var covered: Set<Int> = []
        for identity in processes.compactMap(\.runtime) {
            recognised = true
            if entry.runtimes[identity.runtime] != nil { covered.formUnion(entry.covered[identity.runtime] ?? []) }
            if let server = identity.server, let serverLines = entry.servers[server] {
                for line in serverLines { add("\(server): \(line)") }
                if identity.runtime == .native { continue }
            }
            for line in entry.runtimes[identity.runtime] ?? [] { add("\(identity.runtime.displayName): \(line)") }
        }
        for line in symptom { add(line) }
        for (index, line) in entry.generic.enumerated() where !covered.contains(index) { add(line) }
        if processes.isEmpty {
            add(unknownOwner)
        } else if !recognised {
            let names = processes.prefix(3).map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", ")
            add("The runtime of \(names) was not recognised, so this advice is generic.")
        }
        return lines
    }
}
