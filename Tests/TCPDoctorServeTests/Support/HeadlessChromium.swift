import Foundation
import Glibc
import TCPDoctorTestSupport

/// Debian's chromium, run headless on a page of the test's server: its DOM after the page's
/// script ran, and a screenshot.
///
/// Each run gets a user data directory of its own, deleted afterwards, and runs under
/// coreutils' `timeout`, which puts it in a process group of its own and kills the whole group
/// (the browser and its helper processes) when the run passes its deadline; a second, longer
/// deadline kills `timeout` itself should it hang.
struct HeadlessChromium {
    /// Where Debian's package installs it.
    static let path = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Whether the tests run in CI (the variable `CI` is set, as CI services and `.ci/run` do):
    /// there a missing browser fails the browser tests instead of skipping them.
    static let inCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// Whether the browser tests run: with a browser, or in CI, where they fail without one.
    static let testsEnabled = path != nil || inCI

    let executable: String

    /// The browser, or an error that says how to install it.
    static func require() throws -> HeadlessChromium {
        guard let path else {
            throw ServeTestError(
                "chromium is not installed (looked at /usr/bin/chromium): the page's browser tests need it "
                    + "in CI (`apt-get install chromium fonts-dejavu-core`, as .ci/run does)"
            )
        }
        return HeadlessChromium(executable: path)
    }

    /// The serialized DOM of `url` once its script has had `virtualMilliseconds` of (virtual)
    /// time, in which the page's fetches complete.
    func dumpDOM(_ url: String, virtualMilliseconds: Int = 4000) throws -> String {
        try run(url, ["--dump-dom", "--virtual-time-budget=\(virtualMilliseconds)"])
    }

    /// A PNG of `url` at 1280 by 1000, written to `path`.
    func screenshot(_ url: String, to path: String, virtualMilliseconds: Int = 4000) throws {
        _ = try run(
            url,
            ["--screenshot=\(path)", "--window-size=1280,1000", "--virtual-time-budget=\(virtualMilliseconds)"]
        )
        guard FileManager.default.fileExists(atPath: path) else {
            throw ServeTestError("chromium wrote no screenshot at \(path)")
        }
    }

    /// Runs the browser on `url` with `flags`; its standard output.
    private func run(_ url: String, _ flags: [String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tcpdoctor-chromium-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let profile = directory.appendingPathComponent("profile").path
        let outputPath = directory.appendingPathComponent("stdout").path
        let errorPath = directory.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        // Files, not pipes: a DOM larger than a pipe's buffer would block the browser until read.
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        defer {
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments =
            ["--kill-after=5", "\(Self.deadlineSeconds)", executable]
            + [
                "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync", "--disable-crash-reporter",
                "--user-data-dir=\(profile)",
            ]
            + (geteuid() == 0 ? ["--no-sandbox"] : []) + flags + [url]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try process.waitUntilExit(timeout: .seconds(Self.deadlineSeconds + 15))
        let printed = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let complaint = ((try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "").suffix(2000)
            let reason =
                process.terminationStatus == 124
                ? "ran past its \(Self.deadlineSeconds) s deadline and was killed"
                : "exited with status \(process.terminationStatus)"
            throw ServeTestError("chromium \(reason) on \(url); its last words: \(complaint)")
        }
        return printed
    }

    /// Seconds one run of the browser may take.
    static let deadlineSeconds = 90
}

/// Where a test keeps what CI publishes: `$TCPDOCTOR_TEST_ARTIFACTS` when set, else
/// `.build/test-artifacts` of the package.
func testArtifactsDirectory() throws -> URL {
    let directory: URL
    if let path = ProcessInfo.processInfo.environment["TCPDOCTOR_TEST_ARTIFACTS"], !path.isEmpty {
        directory = URL(fileURLWithPath: path)
    } else {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        directory = package.appendingPathComponent(".build/test-artifacts")
    }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
