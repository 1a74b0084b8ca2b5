import Foundation
import Glibc
import TCPDoctorCapture
import Testing

/// `tcpdoctor ... | head`: when the reader goes away, tcpdoctor ends at once and silently, as
/// `cat` does (killed by SIGPIPE, status 141 in a shell), with what it wrote so far delivered.
struct BrokenPipeTests {
    /// Runs `arguments` with SIGPIPE ignored, as a parent can leave it (an ignored signal stays
    /// ignored across exec), reads `limit` bytes of standard output and closes the pipe.
    static func readThenClose(_ arguments: [String], limit: Int) throws -> (head: [UInt8], ending: BackgroundEnding) {
        let output = Pipe()
        let errors = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "trap '' PIPE; exec \"$0\" \"$@\"", tcpdoctorExecutable()] + arguments
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        var head: [UInt8] = []
        while head.count < limit {
            let chunk = output.fileHandleForReading.readData(ofLength: limit - head.count)
            if chunk.isEmpty { break }
            head += chunk
        }
        try output.fileHandleForReading.close()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning, "tcpdoctor went on after its reader left")
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (
            head, BackgroundEnding(reason: process.terminationReason, status: process.terminationStatus, stderr: stderr)
        )
    }

    struct BackgroundEnding {
        var reason: Process.TerminationReason
        var status: Int32
        var stderr: String
    }

    @Test(arguments: [["capture", "--json"], ["capture", "--connections"]])
    func closedPipeEndsTheCaptureQuietly(_ arguments: [String]) throws {
        let directory = try ScratchDirectory()
        let path = directory.file("many.pcap")
        // About 3 MB of JSON: far more than a pipe holds, so writing blocks until the reader leaves.
        var segments: [TCPSegment] = []
        for number in 0..<2000 {
            segments += CloseScenario.all[number % CloseScenario.all.count].segments(number: UInt16(number))
        }
        try ScenarioCapture.write(segments, to: path)
        let (head, ending) = try Self.readThenClose(arguments + [path], limit: 100)
        #expect(head.count == 100)
        #expect(
            String(decoding: head, as: UTF8.self).contains(arguments.contains("--json") ? "{\"files\":" : "originator")
        )
        #expect(ending.reason == .uncaughtSignal && ending.status == SIGPIPE, "\(ending)")
        #expect(ending.stderr.isEmpty, "\(ending.stderr)")
    }
}
