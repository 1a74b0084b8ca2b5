/// What decides a process's limits: the systemd unit it runs in, a login session, a container.
///
/// Read from the process's cgroup (`/proc/PID/cgroup`): systemd puts every service in a cgroup
/// named after its unit, every login session in a `session-N.scope`, and container runtimes
/// their containers in scopes or slices of their own.
public enum ProcessPlacement: Hashable, Sendable {
    /// A system service: its limits come from the unit (`LimitNOFILE=`).
    case systemService(unit: String)
    /// A service of a user's systemd instance (`user@UID.service`).
    case userService(unit: String, uid: UInt32)
    /// A login session or a process outside any unit: its limits come from pam_limits at login
    /// (`/etc/security/limits.d`) and are inherited from its parent.
    case session
    /// A container: its limits come from the container runtime.
    case container(runtime: String, id: String)

    /// The placement of a cgroup path, such as `/system.slice/nginx.service`.
    ///
    /// The last `.service` component counts (a service may make cgroups below its own); a
    /// container's scope or slice (Docker, Podman, containerd, CRI-O, Kubernetes) wins over the
    /// service that started it.
    public init(cgroupPath path: String) {
        let parts = path.split(separator: "/").map(String.init)
        for part in parts.reversed() {
            if let container = Self.container(part) {
                self = container
                return
            }
        }
        if parts.contains(where: { $0.hasPrefix("kubepods") }) {
            self = .container(runtime: "kubernetes", id: parts.last ?? "")
            return
        }
        if let userIndex = parts.firstIndex(where: { $0.hasPrefix("user@") && $0.hasSuffix(".service") }) {
            let uid = UInt32(parts[userIndex].dropFirst(5).dropLast(8)) ?? 0
            if let unit = parts[(userIndex + 1)...].last(where: { $0.hasSuffix(".service") }) {
                self = .userService(unit: unit, uid: uid)
                return
            }
            self = .session
            return
        }
        if parts.first == "system.slice" || parts.first?.hasSuffix(".slice") == true && parts.first != "user.slice",
            let unit = parts.last(where: { $0.hasSuffix(".service") })
        {
            self = .systemService(unit: unit)
            return
        }
        self = .session
    }

    /// The placement from the text of `/proc/PID/cgroup`: the unified hierarchy's line
    /// (`0::PATH`), else cgroup v1's systemd line (`N:name=systemd:PATH`).
    public init(cgroupFile text: String) {
        var unified: String?
        var named: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            if fields[0] == "0" && fields[1].isEmpty { unified = String(fields[2]) }
            if fields[1] == "name=systemd" { named = String(fields[2]) }
        }
        // With cgroup v1 the unified line is "0::/" (empty); systemd's own hierarchy then tells.
        let path = [unified, named].compactMap { $0 }.first { $0 != "/" } ?? unified ?? named ?? "/"
        self.init(cgroupPath: path)
    }

    private static func container(_ part: String) -> ProcessPlacement? {
        let prefixes: [(prefix: String, runtime: String)] = [
            ("docker-", "docker"), ("libpod-", "podman"), ("cri-containerd-", "containerd"), ("crio-", "cri-o"),
        ]
        for (prefix, runtime) in prefixes where part.hasPrefix(prefix) && part.hasSuffix(".scope") {
            return .container(runtime: runtime, id: String(part.dropFirst(prefix.count).dropLast(6)))
        }
        return nil
    }
}
