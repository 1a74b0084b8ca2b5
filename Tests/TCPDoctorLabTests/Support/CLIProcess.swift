import Foundation
import Glibc
import TCPDoctorTestSupport

/// The built `tcpdoctor` run as a child process, read line by line while it runs.
///
/// `lab run` holds until a signal, so the tests read its JSON summary as it arrives, then signal
/// it and collect the exit status and standard error.
final class CLIProcess {
    private let process = Process()
    private let output = Pipe()
    private let errors = Pipe()

    var pid: Int32 { process.processIdentifier }

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: tcpdoctorExecutable())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// The next line on standard output, waiting at most `timeout`.
    func readLine(timeout: Duration = .seconds(30)) throws -> String {
        var line: [UInt8] = []
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = ContinuousClock.now + timeout
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let milliseconds = Int32(
                clamping: max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            )
            guard poll(&entry, 1, milliseconds) > 0 else { throw CLIError("tcpdoctor printed no line in time") }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else {
                throw CLIError("tcpdoctor ended before a full line: \(String(decoding: line, as: UTF8.self))")
            }
            if byte == 10 { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    /// The next line parsed as a JSON object.
    func readJSON() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(try readLine().utf8))
        guard let dictionary = object as? [String: Any] else { throw CLIError("not a JSON object") }
        return dictionary
    }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the exit; returns the status (128 + signal for a signal) and standard error.
    /// A run that does not exit within two minutes is killed, and its status says so (137).
    func finish() -> (status: Int32, stderr: String) {
        try? process.waitUntilExit(timeout: .seconds(120))
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return (status, stderr)
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The pids of the processes in a `lab run --json` summary.
func labPids(_ summary: [String: Any]) -> [Int32] {
    (summary["processes"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int32 }
}
