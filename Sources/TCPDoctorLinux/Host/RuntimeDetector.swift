import TCPDoctorCore
import TCPDoctorSystem

/// Recognises the runtime a process runs on, from `/proc/PID/exe`, its ELF sections and maps.
///
/// The order goes from cheap to costly: the executable's name decides most cases (java,
/// python3.11, node, dotnet, ruby); a Go binary has a `.go.buildinfo` section; an embedded
/// runtime shows as a mapped library (libjvm.so, libpython3, libnode, libcoreclr, libruby).
public struct RuntimeDetector: Sendable {
    public var procRoot: String

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// The runtime of `process`, or nil when its executable cannot be read (another user's
    /// process without root, a kernel thread, a process that has exited, or whose pid has gone
    /// to a process with another start time than `process.startTime`).
    ///
    /// Everything is read through one descriptor of `/proc/PID` (as `/proc/self/fd/N/...`),
    /// which stays bound to the process it was opened for.
    public func identify(_ process: TCPProcess) -> RuntimeIdentity? {
        guard let directory = try? ProcDescriptor(opening: "\(procRoot)/\(process.pid)", directoryOnly: true) else {
            return nil
        }
        if let startTime = process.startTime {
            guard case .success(let stat) = readProcFile("stat", relativeTo: directory.rawValue, limit: 4096),
                stat.withUnsafeBytes({ ProcessFileParsers.parseStatExcerpt($0) })?.startTime == startTime
            else { return nil }
        }
        let base = "/proc/self/fd/\(directory.rawValue)"
        guard let exe = readLink("\(base)/exe") else { return nil }
        let name = Self.basename(exe.hasSuffix(" (deleted)") ? String(exe.dropLast(10)) : exe)
        let server = Self.server(command: process.command, executable: name, arguments: process.argv)
        if let runtime = Self.runtime(executableName: name) {
            return RuntimeIdentity(runtime: runtime, server: server, evidence: "exe \(exe)")
        }
        if let section = ELFSections.names(ofFile: "\(base)/exe"), section.contains(".go.buildinfo") {
            return RuntimeIdentity(runtime: .go, server: server, evidence: "exe \(exe) has a .go.buildinfo section")
        }
        if let (runtime, library) = mappedRuntime(base) {
            return RuntimeIdentity(runtime: runtime, server: server, evidence: "maps: \(library)")
        }
        return RuntimeIdentity(runtime: .native, server: server, evidence: "exe \(exe)")
    }

    /// A runtime told by the executable's name alone.
    static func runtime(executableName name: String) -> Runtime? {
        if name == "java" || name == "javaw" { return .jvm }
        if name.hasPrefix("python") || name == "gunicorn" || name == "uwsgi" { return .cpython }
        if name == "node" || name == "nodejs" || name == "bun" { return .node }
        if name == "dotnet" { return .dotnet }
        if name.hasPrefix("ruby") { return .ruby }
        return nil
    }

    /// Well-known servers, whose remedies are configuration rather than code.
    static func server(command: String, executable: String, arguments: [String]) -> String? {
        let known = [
            "nginx", "haproxy", "envoy", "postgres", "redis-server", "mysqld", "mariadbd", "memcached", "httpd",
            "apache2", "caddy", "traefik", "sshd",
        ]
        if let match = known.first(where: { $0 == command || $0 == executable }) { return match }
        if arguments.contains(where: { $0.contains("org.apache.catalina") }) { return "tomcat" }
        if arguments.contains(where: { $0.contains("org.eclipse.jetty") }) { return "jetty" }
        return nil
    }

    /// A runtime library mapped into the process (for embedded runtimes and renamed binaries).
    private func mappedRuntime(_ base: String) -> (Runtime, String)? {
        guard case .success(let bytes) = readProcFile("\(base)/maps", limit: 8 << 20) else { return nil }
        let libraries: [(String, Runtime)] = [
            ("libjvm.so", .jvm), ("libpython3", .cpython), ("libnode.so", .node), ("libcoreclr.so", .dotnet),
            ("libruby", .ruby),
        ]
        let text = String(decoding: bytes, as: UTF8.self)
        for (library, runtime) in libraries where text.contains(library) { return (runtime, library) }
        return nil
    }

    private func readLink(_ path: String) -> String? {
        guard case .success(let target) = systemReadLink(path) else { return nil }
        return target
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
