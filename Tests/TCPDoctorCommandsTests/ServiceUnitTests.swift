import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// The systemd units of packaging/, checked by systemd's own parser with this build's binary in
/// place of the installed one; and serve's capabilities, tried for real: tcpdoctor run as nobody
/// with exactly the unit's ambient capabilities sees what root sees.
@Suite struct ServiceUnitTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func unit(_ name: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent("packaging/\(name)"), encoding: .utf8)
    }

    @Test(
        .enabled(if: FileManager.default.isExecutableFile(atPath: analyze), "needs systemd-analyze"),
        arguments: [
            ("tcpdoctor-record.service", "record", "6 7 64"),
            ("tcpdoctor-serve.service", "serve", "8 64"),
        ]
    )
    func systemdAcceptsTheUnit(name: String, command: String, noRestart: String) throws {
        let unit = try Self.unit(name)
        #expect(unit.contains("ExecStart=/usr/local/bin/tcpdoctor \(command) "))
        #expect(unit.contains("RestartPreventExitStatus=\(noRestart)"))
        #expect(unit.contains("NoNewPrivileges=yes"))
        #expect(unit.contains("ProtectSystem=strict"))
        let directory = NSTemporaryDirectory() + "tcpdoctor-unit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/" + name
        try unit.replacingOccurrences(of: "/usr/local/bin/tcpdoctor", with: tcpdoctorExecutable())
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try runProgram(Self.analyze, ["verify", path])
        #expect(run.status == 0, "systemd-analyze: \(run.stderr)")
        #expect(!run.stderr.contains("\(name):"), "systemd-analyze: \(run.stderr)")

        // The command line of ExecStart is one that this tcpdoctor takes.
        let arguments = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
            .split(separator: " ").dropFirst().map(String.init)
        let help = try runTCPDoctor(arguments.prefix(1) + ["--help"])
        #expect(help.status == 0)
        for option in arguments.dropFirst() where option.hasPrefix("--") {
            #expect(help.stdout.contains(option), "\(option) is not an option of \(command)")
        }
    }

    /// A socket of this (root) process and one inside a namespace of the test's own, as seen by
    /// `sockets --json` run as nobody with the serve unit's capabilities; and, as the control,
    /// without CAP_SYS_ADMIN, which must lose the namespace (or the test could not fail).
    @Test(.enabled(if: TestNamespace.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func serveUnitsCapabilitiesSeeOtherUsersAndNamespaces() throws {
        let line = try #require(
            try Self.unit("tcpdoctor-serve.service").split(separator: "\n")
                .first { $0.hasPrefix("AmbientCapabilities=") }
        )
        let capabilities = line.dropFirst("AmbientCapabilities=".count).split(separator: " ")
            .map { "+" + $0.dropFirst(4).lowercased() }
        #expect(capabilities.sorted() == ["+dac_read_search", "+sys_admin", "+sys_ptrace"])

        let listener = try LoopbackSocket.listen()
        let namespace = try TestNamespace()
        let inside = try namespace.spawnPython(
            "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(120)"
        )
        let insidePort = try #require(UInt16(try inside.readLine(timeout: 10)))

        func seen(with capabilities: [String]) throws -> (ownPID: Bool, namespace: Bool) {
            let set = (["-all"] + capabilities).joined(separator: ",")
            let run = try runProgram(
                "/usr/bin/setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=\(set)", "--ambient-caps=\(set)",
                    "--bounding-set=\(set)", tcpdoctorExecutable(), "sockets", "--json", "state", "listening",
                ]
            )
            #expect(run.status == 0, "\(run.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let sockets = document?["sockets"] as? [[String: Any]] ?? []
            func port(_ socket: [String: Any]) -> Int? { (socket["local"] as? [String: Any])?["port"] as? Int }
            let own = sockets.first { port($0) == Int(listener.port) }
            let owners = own?["owners"] as? [[String: Any]] ?? []
            return (
                owners.contains { ($0["pid"] as? Int).map(Int32.init) == getpid() },
                sockets.contains { port($0) == Int(insidePort) }
            )
        }
        let full = try seen(with: capabilities)
        #expect(full.ownPID, "nobody with \(capabilities) did not see this root process's socket owner")
        #expect(full.namespace, "nobody with \(capabilities) did not see the namespace's listener")
        let withoutAdmin = try seen(with: capabilities.filter { $0 != "+sys_admin" })
        #expect(withoutAdmin.ownPID)
        #expect(!withoutAdmin.namespace, "the namespace was read without CAP_SYS_ADMIN: the check proves nothing")
        withExtendedLifetime((listener, namespace, inside)) {}
    }
}
