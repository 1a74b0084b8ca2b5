import Foundation
import Glibc

/// `tcpdoctor serve` as a process of its own (the built binary), on a port of 127.0.0.1 the
/// kernel chose and this namespace, for the duration of `body`; stopped with SIGTERM (SIGKILL
/// after 20 s) on every way out.
///
/// For tests whose client waits on the server for long (a browser): an in-process server answers
/// on this process's concurrency pool, which the whole suite's blocking tests share and can starve.
func withServeProcess<T>(
    minimumInterval: Double,
    _ body: (_ port: UInt16) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "tcpdoctor-serve-\(UUID().uuidString)"
    )
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let log = directory.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("tcpdoctor")
    process.arguments = [
        "serve", "--listen", "127.0.0.1:0", "--min-interval", "\(minimumInterval)", "--netns", "current",
    ]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: log)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    defer {
        if process.isRunning {
            process.terminate()
            let end = Date().addingTimeInterval(20)
            while process.isRunning && Date() < end { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }
    let marker = "listening on http://127.0.0.1:"
    let end = Date().addingTimeInterval(60)
    var port: UInt16?
    while port == nil {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if let range = text.range(of: marker) {
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            if text[range.upperBound...].dropFirst(digits.count).first == " " { port = UInt16(digits) }
        }
        guard port == nil else { break }
        guard process.isRunning, Date() < end else {
            throw ServeTestError("serve did not say where it listens: \(text)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await body(port ?? 0)
}
