import Foundation
import Glibc
import TCPDoctorTestSupport
import Testing

/// `doctor --config` (issue 16, item 3) on a real process at its fd limit: the file it proposes,
/// written only with `--write`, never over a different one, and what happened to each said.
@Suite struct DoctorConfigTests {
    /// A Python process whose soft and hard fd limit is 256, holding 240 open files and a
    /// listening socket: the doctor's fd-exhaustion finding names it.
    static func holder() throws -> ChildProcess {
        let child = try ChildProcess.python(
            """
            import resource, socket, sys, time
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
            listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()
            files = [open("/dev/null") for _ in range(240)]
            print("ready", flush=True)
            time.sleep(120)
            """
        )
        #expect(try child.readLine(timeout: 10) == "ready")
        return child
    }

    static let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"

    @Test func aProcessAtItsLimitGetsALimitsFileWrittenOnlyWhenAsked() throws {
        let child = try Self.holder()
        defer { withExtendedLifetime(child) {} }
        let scratch = try ScratchDirectory()
        let root = scratch.file("root")
        let arguments = ["doctor", "--config", "--pid", "\(child.pid)", "--rule", "fd-exhaustion"]

        let dry = try runTCPDoctor(arguments + ["--json"])
        #expect(dry.status == 0, "stderr: \(dry.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect(document["dry_run"] as? Bool == true)
        let files = try #require(document["files"] as? [[String: Any]])
        let file = try #require(files.first)
        // This test runs outside any systemd unit (a session's process): limits.d for its user.
        #expect(file["kind"] as? String == "limits.d")
        let path = "/etc/security/limits.d/90-tcpdoctor-\(Self.user).conf"
        #expect(file["path"] as? String == path)
        let settings = try #require(file["settings"] as? [[String: Any]])
        #expect(settings.first?["current"] as? String == "256:256")
        #expect(settings.first?["proposed"] as? String == "65536")
        let contents = try #require(file["contents"] as? String)
        #expect(contents.hasSuffix("\(Self.user) soft nofile 65536\n\(Self.user) hard nofile 65536\n"))
        #expect((file["apply"] as? [String])?.contains { $0.contains("prlimit --pid \(child.pid)") } == true)
        #expect(!FileManager.default.fileExists(atPath: root), "a dry run wrote something")

        // Written under the directory, at the file's absolute path below it.
        let written = try runTCPDoctor(arguments + ["--write", root])
        #expect(written.status == 0, "stderr: \(written.stderr)")
        #expect(written.stdout.contains("written: \(root)\(path)"), "\(written.stdout)")
        #expect(try String(contentsOfFile: root + path, encoding: .utf8) == contents)
        // Again: the same file is there, nothing to do.
        let again = try runTCPDoctor(arguments + ["--write", root, "--json"])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("\"outcome\":\"unchanged\""), "\(again.stdout)")
        // A file of the operator's own is never overwritten: refused, exit 12, left as it was.
        try "# mine\n".write(toFile: root + path, atomically: false, encoding: .utf8)
        let refused = try runTCPDoctor(arguments + ["--write", root])
        #expect(refused.status == 12, "stderr: \(refused.stderr)")
        #expect(refused.stdout.contains("not written"), "\(refused.stdout)")
        #expect(try String(contentsOfFile: root + path, encoding: .utf8) == "# mine\n")
        // A directory that cannot be made: failed, said, exit 12.
        let failed = try runTCPDoctor(arguments + ["--write", "/proc/version/x", "--json"])
        #expect(failed.status == 12, "stderr: \(failed.stderr)")
        #expect(failed.stdout.contains("\"outcome\":\"failed\""), "\(failed.stdout)")

        if SchemaCheck.isAvailable {
            let check = try SchemaCheck()
            for (label, run) in [("dry", dry), ("unchanged", again), ("failed", failed)] {
                try check.add(run, schema: "config", label: label)
            }
            let problems = try check.problems()
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func writeWithoutConfigIsAUsageError() throws {
        let run = try runTCPDoctor(["doctor", "--write", "/tmp/x"])
        #expect(run.status == 64, "stderr: \(run.stderr)")
        #expect(run.stderr.contains("add --config"))
    }
}
