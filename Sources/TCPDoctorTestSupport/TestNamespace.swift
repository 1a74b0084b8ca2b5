import Foundation
import Glibc

/// A named network namespace made with `ip netns add` for one test, deleted when released.
///
/// Named `tcpd-test-<random>` so that a leftover after a crash is recognisable; its loopback
/// interface is up so that sockets inside can connect.
public final class TestNamespace {
    public let name: String
    public var path: String { "/var/run/netns/\(name)" }

    /// Whether namespaces can be made here: root and iproute2's `ip`.
    public static var isAvailable: Bool { getuid() == 0 && ipPath != nil }

    static var ipPath: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { access($0, X_OK) == 0 }
    }

    public init() throws {
        name = "tcpd-test-\(UInt32.random(in: 0...UInt32.max))"
        try Self.ip(["netns", "add", name])
        do {
            try Self.ip(["-n", name, "link", "set", "lo", "up"])
        } catch {
            try? Self.ip(["netns", "delete", name])
            throw error
        }
    }

    deinit { try? Self.ip(["netns", "delete", name]) }

    /// Starts `arguments` inside the namespace (`ip netns exec`).
    public func spawn(_ arguments: [String]) throws -> ChildProcess {
        guard let ip = Self.ipPath else { throw FixtureError("ip not found") }
        return try ChildProcess([ip, "netns", "exec", name] + arguments)
    }

    /// Starts a Python program inside the namespace, with the deadline of `ChildProcess.python`.
    public func spawnPython(_ source: String, _ arguments: String...) throws -> ChildProcess {
        try spawn(ChildProcess.pythonCommand(source) + arguments)
    }

    static func ip(_ arguments: [String]) throws {
        guard let ipPath else { throw FixtureError("ip not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ipPath)
        process.arguments = arguments
        try process.run()
        try process.waitUntilExit(timeout: .seconds(30))
        guard process.terminationStatus == 0 else {
            throw FixtureError("ip \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
