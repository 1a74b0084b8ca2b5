import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore

/// Finds every network namespace on the host, or the one a user names.
///
/// A namespace lives as long as a process is in it or a file is bound to it; `ip netns add`
/// binds one under `/var/run/netns` with no process in it. So both places are read: `ns/net` of
/// every process and every entry of `/var/run/netns`. Namespaces are identified by the inode of
/// their nsfs file; a file under `/var/run/netns` that is not a network namespace (left over after
/// an unclean `ip netns delete`) is not one.
public struct NamespaceDiscovery: Sendable {
    /// The procfs mount.
    public var procRoot: String
    /// Where `ip netns` binds named namespaces (iproute2's `NETNS_RUN_DIR`).
    public var namedDirectory: String
    /// How many pids to keep per namespace, lowest first.
    public var pidsPerNamespace: Int

    public init(procRoot: String = "/proc", namedDirectory: String = "/var/run/netns", pidsPerNamespace: Int = 4) {
        self.procRoot = procRoot
        self.namedDirectory = namedDirectory
        self.pidsPerNamespace = pidsPerNamespace
    }

    /// Every network namespace: ours first, then named ones by name, then the rest by inode.
    ///
    /// Processes whose `ns/net` cannot be read (another user's, or pid 1 on some hosts) are
    /// skipped; a namespace only such processes are in is not found.
    ///
    /// - Throws: `LinuxError.procfsUnreadable` when `procRoot` cannot be read.
    public func all() throws(LinuxError) -> [NamespaceLocation] {
        let host = try hostInode()
        var pidsByInode: [UInt64: [Int32]] = [:]
        let root: ProcDescriptor
        do {
            root = try ProcDescriptor(opening: procRoot, directoryOnly: true)
        } catch {
            throw LinuxError(.procfsUnreadable, "cannot open \(procRoot)", errno: error)
        }
        // Closures must not capture the ~Copyable descriptor itself (a Swift 6.3 compiler bug).
        let rootFD = root.rawValue
        for pid in try FDScanner.listPIDs(rootFD, procRoot: procRoot) {
            let result = "\(pid)/ns/net".withCString { procStatAt(rootFD, $0) }
            guard case .success(let info) = result else { continue }
            let inode = UInt64(info.st_ino)
            if pidsByInode[inode, default: []].count < pidsPerNamespace { pidsByInode[inode, default: []].append(pid) }
        }
        var namesByInode: [UInt64: [String]] = [:]
        for name in namedEntries() {
            if let inode = try? networkNamespaceInode("\(namedDirectory)/\(name)") {
                namesByInode[inode, default: []].append(name)
            }
        }
        var inodes = Set(pidsByInode.keys).union(namesByInode.keys)
        inodes.insert(host)
        let locations = inodes.map { inode in
            let namespace = NetworkNamespace(
                inode: inode,
                names: (namesByInode[inode] ?? []).sorted(),
                pids: (pidsByInode[inode] ?? []).sorted(),
                isHost: inode == host
            )
            return NamespaceLocation(namespace: namespace, path: path(of: namespace))
        }
        return locations.sorted(by: Self.displayOrder)
    }

    /// The namespace `ip netns` calls `name`.
    ///
    /// - Throws: `LinuxError.namespaceUnavailable` when there is no such name or it is not a
    ///   network namespace.
    public func namespace(named name: String) throws(LinuxError) -> NamespaceLocation {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw LinuxError(.namespaceUnavailable, "\"\(name)\" is not a valid network namespace name")
        }
        let path = "\(namedDirectory)/\(name)"
        let inode: UInt64
        do {
            inode = try networkNamespaceInode(path)
        } catch let error where error.errno == .noSuchFileOrDirectory {
            throw LinuxError(
                .namespaceUnavailable,
                "no network namespace named \"\(name)\" (nothing at \(path); `ip netns list` shows the names)"
            )
        }
        return try located(inode: inode, path: path)
    }

    /// The network namespace a file refers to, such as `/var/run/netns/NAME` or
    /// `/proc/PID/ns/net`.
    ///
    /// - Throws: `LinuxError.namespaceUnavailable` when the file does not exist or is not a
    ///   network namespace, `.permissionDenied` when it cannot be opened.
    public func namespace(atPath path: String) throws(LinuxError) -> NamespaceLocation {
        try located(inode: networkNamespaceInode(path), path: path)
    }

    /// The network namespace of process `pid`.
    ///
    /// - Throws: `LinuxError.namespaceUnavailable` when there is no such process,
    ///   `.permissionDenied` when its namespace cannot be opened.
    public func namespace(ofPID pid: Int32) throws(LinuxError) -> NamespaceLocation {
        let path = "\(procRoot)/\(pid)/ns/net"
        do {
            return try located(inode: networkNamespaceInode(path), path: path)
        } catch let error where error.errno == .noSuchFileOrDirectory || error.errno == .noSuchProcess {
            throw LinuxError(.namespaceUnavailable, "no process with pid \(pid)", errno: error.errno)
        }
    }

    /// The inode of our own network namespace (`/proc/self/ns/net`: the main thread's).
    public func hostInode() throws(LinuxError) -> UInt64 {
        let path = "\(procRoot)/self/ns/net"
        guard let inode = ProcessReader.namespaceInode(path) else {
            throw LinuxError(.procfsUnreadable, "cannot stat \(path)")
        }
        return inode
    }

    /// Opens `path` and checks with `NS_GET_NSTYPE` that it is a network namespace.
    func networkNamespaceInode(_ path: String) throws(LinuxError) -> UInt64 {
        let descriptor: ProcDescriptor
        do {
            descriptor = try ProcDescriptor(opening: path)
        } catch {
            if error.meansPermissionDenied {
                throw LinuxError(.permissionDenied, "cannot open network namespace \(path)", errno: error)
            }
            throw LinuxError(.namespaceUnavailable, "cannot open network namespace \(path)", errno: error)
        }
        switch procNamespaceType(descriptor.rawValue) {
        case .success(let type) where type == Int32(CLONE_NEWNET): break
        case .success, .failure:
            // ENOTTY: not an nsfs file at all; another type: a namespace of another kind.
            throw LinuxError(.namespaceUnavailable, "\(path) is not a network namespace")
        }
        switch procFStat(descriptor.rawValue) {
        case .success(let info): return UInt64(info.st_ino)
        case .failure(let error): throw LinuxError(.systemCall, "cannot stat \(path)", errno: error)
        }
    }

    /// Entry names of `namedDirectory`; none when it does not exist (no `ip netns add` yet).
    private func namedEntries() -> [String] {
        guard let directory = try? ProcDescriptor(opening: namedDirectory, directoryOnly: true) else { return [] }
        var names: [String] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 15, alignment: 8)
        defer { buffer.deallocate() }
        while case .success(let filled) = procGetDents(directory.rawValue, buffer), filled > 0 {
            let entries = UnsafeRawBufferPointer(rebasing: buffer[..<filled])
            try? ProcBytes.forEachDirent(entries, in: namedDirectory) { name, _ in
                names.append(ProcBytes.string(name))
            }
        }
        return names
    }

    /// Completes a namespace found by one path with the names and pids discovery knows.
    private func located(inode: UInt64, path: String) throws(LinuxError) -> NamespaceLocation {
        let known = try all().first { $0.namespace.inode == inode }
        let namespace = known?.namespace ?? NetworkNamespace(inode: inode, isHost: (try? hostInode()) == inode)
        return NamespaceLocation(namespace: namespace, path: path)
    }

    private func path(of namespace: NetworkNamespace) -> String {
        if let name = namespace.names.first { return "\(namedDirectory)/\(name)" }
        if namespace.isHost { return "\(procRoot)/self/ns/net" }
        if let pid = namespace.pids.first { return "\(procRoot)/\(pid)/ns/net" }
        // Unreachable: every namespace found has a name, a pid, or is ours.
        return ""
    }

    private static func displayOrder(_ a: NamespaceLocation, _ b: NamespaceLocation) -> Bool {
        let x = a.namespace
        let y = b.namespace
        if x.isHost != y.isHost { return x.isHost }
        switch (x.names.first, y.names.first) {
        case (.some(let p), .some(let q)) where p != q: return p < q
        case (.some, .none): return true
        case (.none, .some): return false
        default: return x.inode < y.inode
        }
    }
}
