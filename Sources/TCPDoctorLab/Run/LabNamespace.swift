import Glibc
import TCPDoctorSystem

/// A named network namespace made for one lab run with iproute2, deleted when the run stops.
///
/// Named `tcpd-lab-PID-XXXX` after the orchestrator's pid, so that a namespace left behind by a
/// run that was killed with SIGKILL (which leaves no chance to clean up) is recognised and
/// deleted by the next run (`deleteStale`).
final class LabNamespace {
    let name: String
    /// The inode of the namespace (what `/proc/PID/ns/net` of its processes shows), the number
    /// that identifies it in tcpdoctor's JSON; 0 until it is made.
    private(set) var inode: UInt64 = 0
    private var deleted = false

    static let prefix = "tcpd-lab-"

    private init(name: String) { self.name = name }

    deinit { delete() }

    /// Makes the namespace and brings its loopback interface up.
    ///
    /// - Throws: `LabError.Code.namespace` when `ip` is missing or fails.
    static func create() throws(LabError) -> LabNamespace {
        deleteStale()
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        let namespace = LabNamespace(name: "\(prefix)\(systemOwnPID())-\(suffix)")
        try ip(["netns", "add", namespace.name])
        // The bind mount iproute2 made: its inode is the namespace's.
        namespace.inode = LabSystem.inode(of: "/var/run/netns/\(namespace.name)") ?? 0
        // From here on, deinit deletes it if bringing lo up fails.
        try ip(["-n", namespace.name, "link", "set", "lo", "up"])
        // Somewhere nothing answers (`unanswered-syn`): packets to it go out on lo, come back to
        // a namespace that does not own the address and does not forward, and are dropped. The
        // source is given: without one the SYN_SENT sockets would show 0.0.0.0 as local address.
        try ip(["-n", namespace.name, "route", "add", LabWire.unansweredPrefix, "dev", "lo", "src", "127.0.0.1"])
        return namespace
    }

    /// Deletes the namespace (idempotent). Its sockets go with it.
    func delete() {
        guard !deleted else { return }
        deleted = true
        try? Self.ip(["netns", "delete", name])
    }

    /// Deletes lab namespaces whose orchestrator no longer runs.
    static func deleteStale() {
        var stale: [String] = []
        for name in LabSystem.directoryEntries("/var/run/netns") where name.hasPrefix(prefix) {
            let owner = name.dropFirst(prefix.count).split(separator: "-").first.flatMap { Int32($0) }
            guard let owner, owner != systemOwnPID() else { continue }
            if !LabSystem.processExists(owner) { stale.append(name) }
        }
        for name in stale { try? ip(["netns", "delete", name]) }
    }

    /// Where iproute2's `ip` is; nil when it is not installed.
    static var ipPath: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first(where: LabSystem.isExecutable)
    }

    /// Runs `ip ARGUMENTS` and waits for it.
    private static func ip(_ arguments: [String]) throws(LabError) {
        guard let path = ipPath else {
            throw LabError(
                .namespace,
                "iproute2's ip is not installed; it is needed to make the lab's network namespace"
            )
        }
        let input = try LabSystem.openNullDevice()
        defer { LabSystem.close(input) }
        let output = try LabSystem.openNullDevice(forWriting: true)
        defer { LabSystem.close(output) }
        let pid = try LabSystem.spawn(path, ["ip"] + arguments, stdin: input, stdout: output, newGroup: false)
        guard let status = LabSystem.reap(pid), status == 0 else {
            throw LabError(.namespace, "ip \(arguments.joined(separator: " ")) failed")
        }
    }
}
