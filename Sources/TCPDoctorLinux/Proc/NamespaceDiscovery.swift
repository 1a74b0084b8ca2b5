import CSockDiag
import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Finds every network namespace on the host, or the one a user names.
///
/// A namespace lives as long as a process is in it or a file is bound to it; `ip netns add`
/// binds one under `/var/run/netns` with no process in it. So both places are read: `ns/net` of
/// every process and every entry of `/var/run/netns`. Namespaces are identified by the inode of
/// their nsfs file; a file under `/var/run/netns` that is not a network namespace (left over after
/// an unclean `ip netns delete`) is not one. One file per namespace is kept open in its
/// `NamespaceLocation`, so that reading it later reads this namespace whatever becomes of the pid
/// or the name that led to it.
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
        var files: [UInt64: NetworkNamespaceFile] = [:]
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
            var inode = UInt64(info.st_ino)
            // The first pid of a namespace: keep its file (one open per namespace, not per pid).
            // The file's inode is the truth should the pid have changed since the stat; without
            // a file, the location's path is checked when it is opened (`NamespaceLocation.open`).
            if inode != host && files[inode] == nil,
                let file = try? NetworkNamespaceFile(path: "\(procRoot)/\(pid)/ns/net")
            {
                inode = file.inode
                if files[inode] == nil { files[inode] = file }
            }
            if pidsByInode[inode, default: []].count < pidsPerNamespace { pidsByInode[inode, default: []].append(pid) }
        }
        var namesByInode: [UInt64: [String]] = [:]
        for name in namedEntries() {
            if let file = try? networkNamespaceFile("\(namedDirectory)/\(name)") {
                namesByInode[file.inode, default: []].append(name)
                if files[file.inode] == nil { files[file.inode] = file }
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
            return NamespaceLocation(namespace: namespace, path: path(of: namespace), file: files[inode])
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
        let file: NetworkNamespaceFile
        do {
            file = try networkNamespaceFile(path)
        } catch let error where error.errno == .noSuchFileOrDirectory {
            throw LinuxError(
                .namespaceUnavailable,
                "no network namespace named \"\(name)\" (nothing at \(path); `ip netns list` shows the names)"
            )
        }
        return try located(file)
    }

    /// The network namespace a file refers to, such as `/var/run/netns/NAME` or
    /// `/proc/PID/ns/net`.
    ///
    /// - Throws: `LinuxError.namespaceUnavailable` when the file does not exist or is not a
    ///   network namespace, `.permissionDenied` when it cannot be opened.
    public func namespace(atPath path: String) throws(LinuxError) -> NamespaceLocation {
        try located(networkNamespaceFile(path))
    }

    /// The network namespace of process `pid`.
    ///
    /// - Throws: `LinuxError.namespaceUnavailable` when there is no such process,
    ///   `.permissionDenied` when its namespace cannot be opened.
    public func namespace(ofPID pid: Int32) throws(LinuxError) -> NamespaceLocation {
        let path = "\(procRoot)/\(pid)/ns/net"
        do {
            return try located(networkNamespaceFile(path))
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
    func networkNamespaceFile(_ path: String) throws(LinuxError) -> NetworkNamespaceFile {
        let file: NetworkNamespaceFile
        do {
            file = try NetworkNamespaceFile(path: path)
        } catch {
            let code: LinuxError.Code = error.code == .permissionDenied ? .permissionDenied : .namespaceUnavailable
            throw LinuxError(code, "cannot open network namespace \(path)", errno: error.errno)
        }
        switch procNamespaceType(file.descriptor) {
        case .success(let type) where type == Int32(CLONE_NEWNET): return file
        case .success, .failure:
            // ENOTTY: not an nsfs file at all; another type: a namespace of another kind.
            throw LinuxError(.namespaceUnavailable, "\(path) is not a network namespace")
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

    /// Completes a namespace found by one path with the names and pids discovery knows, keeping
    /// the file that was opened for it.
    private func located(_ file: NetworkNamespaceFile) throws(LinuxError) -> NamespaceLocation {
        let inode = file.inode
        let known = try all().first { $0.namespace.inode == inode }
        let namespace = known?.namespace ?? NetworkNamespace(inode: inode, isHost: (try? hostInode()) == inode)
        return NamespaceLocation(namespace: namespace, path: file.path, file: file)
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
