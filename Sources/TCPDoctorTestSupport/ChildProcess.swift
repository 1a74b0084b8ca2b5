import Foundation
import Glibc

/// A real child process for tests, killed (with its process group) and reaped when released.
///
/// The child announces itself with one line on standard output (`readLine()`), which is how
/// tests wait for it to be ready instead of sleeping.
public final class ChildProcess {
    private let process = Process()
    private let output = Pipe()

    public var pid: Int32 { process.processIdentifier }

    public init(_ arguments: [String]) throws {
        guard let executable = arguments.first else { throw FixtureError("no command") }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// A Python program run by `python3 -c`, the quickest way to script a socket holder.
    public static func python(_ source: String, _ arguments: String...) throws -> ChildProcess {
        try ChildProcess(pythonCommand(source) + arguments)
    }

    /// `python3 -c SOURCE` with a deadline of its own: SIGALRM ends the program after
    /// `childLifetimeSeconds` even if the test that started it crashed and never killed it.
    public static func pythonCommand(_ source: String) -> [String] {
        [pythonPath, "-c", "import signal as _deadline; _deadline.alarm(\(childLifetimeSeconds))\n" + source]
    }

    /// Debian's own python3: always there on the machines CI runs on.
    public static let pythonPath = "/usr/bin/python3"

    /// The next line the child printed, waiting at most `timeout` seconds.
    public func readLine(timeout: Double = 10) throws -> String {
        var line: [UInt8] = []
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard poll(&poller, 1, remaining) > 0 else { throw FixtureError("child \(pid) printed no line in time") }
            var byte: UInt8 = 0
            guard Glibc.read(fd, &byte, 1) == 1 else { throw FixtureError("child \(pid) ended before a line") }
            if byte == 10 { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
