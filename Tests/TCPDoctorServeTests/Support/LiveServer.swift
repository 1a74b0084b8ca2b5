import Foundation
import TCPDoctorLinux
import TCPDoctorServe

/// A real serve in this process, on a port of 127.0.0.1 the kernel chose, for the duration of `body`.
///
/// The server is stopped (its task cancelled, which shuts the ServiceGroup down gracefully) and
/// awaited on every way out of `body`, failures included.
/// The cache reads this namespace, and keeps every series (the tests look for their own).
func withLiveServer<T>(
    minimumInterval: Double,
    limits: MetricLimits = MetricLimits(top: 100_000, maxSeries: 10_000_000),
    cache: SnapshotCache? = nil,
    clientTimeout: Double = 30,
    _ body: (_ port: UInt16, _ cache: SnapshotCache) async throws -> T
) async throws -> T {
    let cache = cache ?? SnapshotCache(minimumInterval: minimumInterval, limits: limits, namespaces: .current)
    let (addresses, listening) = AsyncStream<ListenAddress>.makeStream()
    let configuration = ServeConfiguration(
        listen: ListenAddress(host: "127.0.0.1", port: 0),
        minimumInterval: minimumInterval,
        limits: limits,
        namespaces: .current,
        clientTimeout: clientTimeout
    )
    let server = Task {
        defer { listening.finish() }
        try await ServeServer.run(configuration, cache: cache, signals: []) { address in listening.yield(address) }
    }
    defer { server.cancel() }
    guard let address = await addresses.first(where: { _ in true }) else {
        _ = try await server.value
        throw ServeTestError("the server ended before it listened")
    }
    do {
        let result = try await body(address.port, cache)
        server.cancel()
        _ = await server.result
        return result
    } catch {
        server.cancel()
        _ = await server.result
        throw error
    }
}

struct ServeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// promtool, from Debian's prometheus package, when installed.
let promtoolPath = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// `promtool check metrics` on a body: its status and what it printed.
func promtoolCheck(_ body: String, promtool: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: promtool)
    process.arguments = ["check", "metrics"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(body.utf8))
    try input.fileHandleForWriting.close()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
}
