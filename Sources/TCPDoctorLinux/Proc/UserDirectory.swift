/// User names by uid, parsed once from `/etc/passwd`.
///
/// Only the local passwd file is read, not NSS (LDAP, systemd-userdb): tcpdoctor must not block
/// on a directory server while diagnosing a host that may be out of sockets. Uids without a
/// local entry stay nameless, as `TCPProcess.user` allows.
public struct UserDirectory: Sendable, Hashable {
    /// The first name listed for each uid.
    public private(set) var names: [UInt32: String]
    /// Line numbers that were not `name:password:uid:...` entries (comments, NIS `+` lines,
    /// damaged lines); they are skipped so that one bad line costs only its own name.
    public private(set) var skippedLines: [Int]

    /// An empty directory: every uid is nameless.
    public init() {
        names = [:]
        skippedLines = []
    }

    /// Parses the text of a passwd file.
    public init(passwd bytes: [UInt8]) {
        self.init()
        bytes.withUnsafeBytes { all in
            // forEachLine only throws what the body throws, and this body does not.
            try? ProcBytes.forEachLine(all) { line, number in
                if line.isEmpty { return }
                guard let entry = Self.entry(line) else {
                    skippedLines.append(number)
                    return
                }
                if names[entry.uid] == nil { names[entry.uid] = entry.name }
            }
        }
    }

    /// Reads and parses `path`.
    ///
    /// - Throws: `LinuxError.systemCall` naming the file when it cannot be read.
    public static func load(path: String = "/etc/passwd") throws(LinuxError) -> UserDirectory {
        switch readProcFile(path, limit: 16 << 20) {
        case .success(let bytes): return UserDirectory(passwd: bytes)
        case .failure(let error): throw LinuxError(.systemCall, "cannot read \(path)", errno: error)
        }
    }

    /// The user name of `uid`, or nil when the passwd file has none.
    public func name(of uid: UInt32) -> String? { names[uid] }

    private static func entry(_ line: UnsafeRawBufferPointer) -> (name: String, uid: UInt32)? {
        let colon = UInt8(ascii: ":")
        guard let first = line.firstIndex(of: colon), first > 0,
            line[0] != UInt8(ascii: "#"), line[0] != UInt8(ascii: "+"), line[0] != UInt8(ascii: "-")
        else { return nil }
        let afterPassword = line[(first + 1)...]
        guard let second = afterPassword.firstIndex(of: colon) else { return nil }
        let uidField = line[(second + 1)...]
        let end = uidField.firstIndex(of: colon) ?? line.count
        guard let uid = ProcBytes.decimal(UnsafeRawBufferPointer(rebasing: line[(second + 1)..<end])),
            uid <= UInt64(UInt32.max)
        else { return nil }
        return (ProcBytes.string(UnsafeRawBufferPointer(rebasing: line[..<first])), UInt32(uid))
    }
}
