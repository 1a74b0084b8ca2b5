import Foundation
import Glibc

/// A `tcpdoctor` run left going while the test does something else: it can be sent signals and
/// waited for with a deadline, and is killed and reaped when released.
///
/// Standard output goes to a file that the test polls for a complete line, so that a command
/// which prints its document and then holds (`lab run --json`) can be read while it holds.
final class BackgroundTCPDoctor {
    private let process = Process()
    private let directory: URL
    private let stdoutURL: URL
    private let stderrURL: URL

    var pid: Int32 { process.processIdentifier }

    /// - Parameter netns: A named network namespace to run it in (through `ip netns exec`, which
    ///   execs tcpdoctor in place: `pid` is tcpdoctor's).
    init(_ arguments: [String], netns: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tcpdoctor-bg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stdoutURL = directory.appendingPathComponent("stdout")
        stderrURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        if let netns {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", netns, tcpdoctorExecutable()] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: tcpdoctorExecutable())
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The first line of standard output once it is complete, polling until `deadline` seconds.
    func firstLine(within deadline: Double) throws -> String {
        let end = Date().addingTimeInterval(deadline)
        while Date() < end {
            if let newline = stdout.firstIndex(of: "\n") { return String(stdout[..<newline]) }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        throw RunError("pid \(pid) printed no line within \(deadline) s; stderr: \(stderr)")
    }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// How the process ended: its exit status, or the signal that killed it.
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Waits at most `deadline` seconds for the process to end.
    func ending(within deadline: Double) throws -> Ending {
        let end = Date().addingTimeInterval(deadline)
        while process.isRunning {
            guard Date() < end else { throw RunError("pid \(pid) still runs after \(deadline) s; stderr: \(stderr)") }
            usleep(20_000)
        }
        let status = process.terminationStatus
        return process.terminationReason == .uncaughtSignal ? .signalled(status) : .exited(status)
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
