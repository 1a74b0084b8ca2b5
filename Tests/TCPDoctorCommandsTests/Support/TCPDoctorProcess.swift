import Foundation
import Glibc
import TCPDoctorTestSupport

/// Runs the built `tcpdoctor` executable as a child process and collects what it printed.
///
/// The commands are tested as users run them: through argv, standard output, standard error and
/// the exit status, which is part of the documented interface.
struct TCPDoctorRun {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The JSON document on standard output.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        guard let dictionary = object as? [String: Any] else { throw RunError("stdout is not a JSON object") }
        return dictionary
    }
}

struct RunError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The executable sits next to the test bundle in the build folder.
func tcpdoctorExecutable() -> String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    return bundle.appendingPathComponent("tcpdoctor").path
}

func runTCPDoctor(_ arguments: [String], environment: [String: String] = [:]) throws -> TCPDoctorRun {
    try runProgram(tcpdoctorExecutable(), arguments, environment: environment)
}

/// Runs any program with `NO_COLOR` set and collects its output and status; a program still
/// running after `timeout` is killed and the run throws.
func runProgram(
    _ program: String,
    _ arguments: [String],
    environment: [String: String] = [:],
    timeout: Duration = .seconds(120)
) throws -> TCPDoctorRun {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tcpdoctor-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let stdoutURL = directory.appendingPathComponent("stdout")
    let stderrURL = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    try process.waitUntilExit(timeout: timeout)
    return TCPDoctorRun(
        status: process.terminationStatus,
        stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
        stderr: try String(contentsOf: stderrURL, encoding: .utf8)
    )
}

let isRoot = getuid() == 0

/// The parent pid of `pid` from /proc/PID/stat (field 4, after the command in parentheses),
/// while it lives.
func parent(of pid: Int32) -> Int32? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return fields.count > 1 ? Int32(fields[1]) : nil
}
