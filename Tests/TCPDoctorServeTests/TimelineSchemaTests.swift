import Foundation
import TCPDoctorLinux
import TCPDoctorServe
import TCPDoctorTestSupport
import Testing

/// `/api/timeline` against its JSON Schema (docs/schema/timeline.json), through
/// scripts/validate-json.py: a live server's timeline, and one of failed snapshots only.
@Suite struct TimelineSchemaTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Python's jsonschema, or the requirement of it (`TCPDOCTOR_REQUIRE_JSONSCHEMA=1`, as in CI).
    static let enabled: Bool = {
        if ProcessInfo.processInfo.environment["TCPDOCTOR_REQUIRE_JSONSCHEMA"] == "1" { return true }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: ChildProcess.pythonPath)
        probe.arguments = ["-c", "import jsonschema"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    @Test(.enabled(if: enabled, "python3-jsonschema is not installed"))
    func theTimelineMatchesItsSchema() async throws {
        let live = try await withLiveServer(minimumInterval: 0) { port, _ in
            _ = try await offPool { try HTTPExchange.send("GET", "/api/states", port: port) }
            return try await offPool { try HTTPExchange.send("GET", "/api/timeline", port: port) }.body
        }
        #expect(live.contains("\"ok\":true"))
        let failing = SnapshotCache(minimumInterval: 0, limits: MetricLimits()) {
            .failure(LinuxError(.procfsUnreadable, "a test's failure"))
        }
        let failed = try await withLiveServer(minimumInterval: 0, cache: failing) { port, _ in
            try await offPool { try HTTPExchange.send("GET", "/api/timeline", port: port) }.body
        }
        #expect(failed.contains("\"ok\":false"))

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tcpdoctor-timeline-schema-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [String] = []
        for (label, text) in [("live", live), ("failed", failed)] {
            let file = directory.appendingPathComponent("timeline--\(label).json")
            try text.write(to: file, atomically: false, encoding: .utf8)
            files.append(file.path)
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: ChildProcess.pythonPath)
        check.arguments =
            [
                Self.repository.appendingPathComponent("scripts/validate-json.py").path,
                Self.repository.appendingPathComponent("docs/schema").path,
            ] + files
        let output = Pipe()
        check.standardOutput = output
        check.standardError = output
        try check.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try check.waitUntilExit(timeout: .seconds(60))
        #expect(check.terminationStatus == 0, "validate-json.py: \(printed)")
    }
}
