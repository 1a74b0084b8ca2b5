import Foundation
import Glibc
import Testing

/// CSockDiag must build against kernel headers newer than Debian 12's 6.1, whose `struct tcp_info`
/// grew (6.2, 6.7): Ubuntu 24.04, Fedora and Arch ship such headers.
struct TCPInfoLayoutTests {
    /// The repository's root, from this file's path (Tests/TCPDoctorLinuxTests/Netlink/...).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Compiles shim.c against the project's copy of the Linux 6.7 layout
    /// (scripts/ci/tcp-info-6.7/linux/tcp.h) through the CI script.
    @Test func shimCompilesAgainstANewerKernelsTCPInfo() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [Self.root.appendingPathComponent("scripts/ci/tcp-info-layouts.sh").path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("the layout check did not finish in 120 s")
            return
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(message)")
    }
}
