import Foundation
import Glibc

@testable import TCPDoctorLinux

/// A named network namespace made with `ip netns add` for one test, deleted in `deinit`.
///
/// Named `tcpd-test-<random>` so that a leftover (after a crash) is recognisable.
final class TestNamespace {
    let name: String
    var path: String { "/var/run/netns/\(name)" }

    /// Whether the tests that need one can run: root (CAP_SYS_ADMIN for setns) and `ip` present.
    static var isAvailable: Bool { getuid() == 0 && ipPath != nil }

    private static var ipPath: String? {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { access($0, X_OK) == 0 }
    }

    /// Creates the namespace and brings its loopback interface up.
    init() throws {
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

    /// Runs `body` on a thread inside the namespace; sockets it creates live there.
    func inside<Result>(_ body: () throws -> Result) throws -> Result {
        let file = try NetworkNamespaceFile(path: path)
        let outcome = try file.withThreadInside { () -> Swift.Result<Result, any Error> in
            Swift.Result { try body() }
        }
        return try outcome.get()
    }

    private static func ip(_ arguments: [String]) throws {
        guard let ipPath else { throw TestSetupError("find ip", errno: ENOENT) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ipPath)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("ip \(arguments.joined(separator: " "))", errno: EIO)
        }
    }
}
