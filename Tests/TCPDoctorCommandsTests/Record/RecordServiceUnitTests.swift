import Foundation
import Testing

/// packaging/tcpdoctor-record.service, checked by systemd's own parser with this build's binary
/// in place of the installed one.
@Suite struct RecordServiceUnitTests {
    static let analyze = "/usr/bin/systemd-analyze"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze), "needs systemd-analyze"))
    func systemdAcceptsTheUnit() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = repository.appendingPathComponent("packaging/tcpdoctor-record.service")
        let unit = try String(contentsOf: file, encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/tcpdoctor record "))
        #expect(unit.contains("RestartPreventExitStatus=6 7 64"))
        let directory = NSTemporaryDirectory() + "tcpdoctor-unit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/tcpdoctor-record.service"
        try unit.replacingOccurrences(of: "/usr/local/bin/tcpdoctor", with: tcpdoctorExecutable())
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try runProgram(Self.analyze, ["verify", path])
        #expect(run.status == 0, "systemd-analyze: \(run.stderr)")
        #expect(!run.stderr.contains("tcpdoctor-record.service:"), "systemd-analyze: \(run.stderr)")

        // The command line of ExecStart is one that this tcpdoctor takes.
        let arguments = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
            .split(separator: " ").dropFirst().map(String.init)
        let help = try runTCPDoctor(arguments.prefix(1) + ["--help"])
        #expect(help.status == 0)
        for option in arguments.dropFirst() where option.hasPrefix("--") {
            #expect(help.stdout.contains(option), "\(option) is not an option of record")
        }
    }
}
