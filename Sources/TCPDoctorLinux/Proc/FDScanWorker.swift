import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// One thread's share of the fd walk, with its own reused buffers and results.
///
/// Per fd the walk costs one `readlinkat(2)` and nothing else: names come straight out of the
/// `getdents64(2)` buffer, links land in a fixed 64-byte buffer, and only socket links are kept,
/// as one packed 128-bit key. Nothing is allocated per fd.
///
/// `@unchecked Sendable`: during a scan each worker is used by exactly one thread, and read only
/// after its thread has been joined, which orders those accesses.
final class FDScanWorker: @unchecked Sendable {
    /// `struct linux_dirent64`: `d_reclen` at 16, `d_type` at 18, `d_name` at 19.
    private static let direntHeader = 19
    private static let direntBufferSize = 1 << 16

    private let procFD: Int32
    private let direntBuffer: UnsafeMutableRawBufferPointer
    private let linkBuffer: UnsafeMutableRawBufferPointer
    private let pathBuffer: UnsafeMutableBufferPointer<CChar>
    private let pathStart: UnsafeMutablePointer<CChar>
    private let direntStart: UnsafeMutableRawPointer

    private(set) var keys: [UInt128] = []
    private(set) var openFiles: [(pid: Int32, count: Int)] = []
    private(set) var socketHolders: [Int32] = []
    /// Start times of the socket holders (`FDScan.startTimes`).
    private(set) var startTimes: [(pid: Int32, startTime: UInt64)] = []
    private(set) var unreadable: [(pid: Int32, reason: String)] = []
    private(set) var scanned = 0
    private(set) var vanished = 0

    init(procFD: Int32) {
        self.procFD = procFD
        direntStart = .allocate(byteCount: Self.direntBufferSize, alignment: 8)
        direntBuffer = UnsafeMutableRawBufferPointer(start: direntStart, count: Self.direntBufferSize)
        // The longest socket link is 29 bytes; a full buffer means a longer, non-socket target.
        linkBuffer = .allocate(byteCount: 64, alignment: 8)
        pathStart = .allocate(capacity: 32)
        pathBuffer = UnsafeMutableBufferPointer(start: pathStart, count: 32)
    }

    deinit {
        direntBuffer.deallocate()
        linkBuffer.deallocate()
        pathBuffer.deallocate()
    }

    /// Scans pids of `pids` claimed through `cursor` until none are left.
    func run(pids: [Int32], cursor: FDScanCursor) {
        while true {
            let index = cursor.claim()
            guard index < pids.count else { return }
            scan(pid: pids[index])
        }
    }

    /// Writes `PID/suffix` and a NUL into the path buffer.
    private func setPath(pid: Int32, suffix: StaticString) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var length = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            var value = UInt32(bitPattern: pid)
            repeat {
                raw[length] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                length += 1
            } while value > 0
            for index in 0..<length { pathBuffer[index] = CChar(bitPattern: raw[length - 1 - index]) }
        }
        suffix.withUTF8Buffer { tail in
            for (index, byte) in tail.enumerated() { pathBuffer[length + index] = CChar(bitPattern: byte) }
            pathBuffer[length + tail.count] = 0
        }
    }

    private func scan(pid: Int32) {
        setPath(pid: pid, suffix: "/fd")
        let directory: Int32
        switch procOpenAt(procFD, pathStart, flags: O_RDONLY | O_DIRECTORY) {
        case .success(let fd): directory = fd
        case .failure(let error):
            if error.meansVanished {
                vanished += 1
            } else if error.meansPermissionDenied, statExcerpt(pid: pid)?.isKernelThread == true {
                // Kernel threads hold no fds; an unprivileged walk is denied theirs. Not a gap.
            } else {
                unreadable.append((pid, Self.reason(error, doing: "open fd directory")))
            }
            return
        }
        defer { closeDescriptor(directory) }
        // Opened while the fd directory is open and read once it has been listed: if the listing
        // succeeds the process was alive after this open, so its pid was still its own and the
        // start time read is the walked process's, not a later holder's of the same pid.
        setPath(pid: pid, suffix: "/stat")
        let stat = procOpenAt(procFD, pathStart, flags: O_RDONLY)
        defer { if case .success(let fd) = stat { closeDescriptor(fd) } }

        let mark = keys.count
        var count = 0
        var sockets = 0
        var linksDenied: Errno?
        var sawMissingFD = false
        var malformed = false
        listing: while true {
            let filled: Int
            switch procGetDents(directory, direntBuffer) {
            case .success(let n): filled = n
            case .failure(let error):
                keys.removeSubrange(mark...)
                if error.meansVanished {
                    vanished += 1
                } else {
                    unreadable.append((pid, Self.reason(error, doing: "list fd directory")))
                }
                return
            }
            if filled == 0 { break }
            var offset = 0
            while offset + Self.direntHeader < filled {
                let recordLength = Int(direntBuffer.loadUnaligned(fromByteOffset: offset + 16, as: UInt16.self))
                // Trust no length: a record must hold its header and a name and fit the fill.
                guard recordLength > Self.direntHeader, offset + recordLength <= filled else {
                    malformed = true
                    break listing
                }
                let nameOffset = offset + Self.direntHeader
                offset += recordLength
                let first = direntBuffer[nameOffset]
                if first == UInt8(ascii: ".") || first == 0 { continue }
                count += 1
                if linksDenied != nil { continue }
                let name = (direntStart + nameOffset).assumingMemoryBound(to: CChar.self)
                switch procReadLinkAt(directory, name, linkBuffer) {
                case .success(let length):
                    guard
                        let inode = ProcBytes.socketInode(
                            link: UnsafeRawBufferPointer(rebasing: linkBuffer[..<length])
                        ),
                        let fd = Self.fdNumber(direntBuffer, nameOffset, end: offset)
                    else { continue }
                    keys.append(SocketOwnerTable.key(inode: inode, pid: pid, fd: fd))
                    sockets += 1
                case .failure(let error):
                    // The fd was closed between getdents and readlink, or the process is exiting.
                    if error.meansVanished {
                        sawMissingFD = true
                    } else {
                        linksDenied = error
                    }
                }
            }
            // A tail shorter than a record header is as malformed as an overlong record.
            if offset != filled {
                malformed = true
                break listing
            }
        }
        if sawMissingFD && isExiting(pid: pid) {
            keys.removeSubrange(mark...)
            vanished += 1
            return
        }
        if malformed {
            keys.removeSubrange(mark...)
            unreadable.append((pid, "malformed getdents64 record in its fd directory"))
            return
        }
        openFiles.append((pid, count))
        if let linksDenied {
            keys.removeSubrange(mark...)
            unreadable.append((pid, Self.reason(linksDenied, doing: "read fd links")))
            return
        }
        scanned += 1
        guard sockets > 0 else { return }
        socketHolders.append(pid)
        if case .success(let fd) = stat, case .success(let length) = systemRead(fd, direntBuffer),
            let startTime = ProcessFileParsers.parseStatExcerpt(
                UnsafeRawBufferPointer(rebasing: direntBuffer[..<length])
            )?.startTime
        {
            startTimes.append((pid, startTime))
        }
    }

    /// The fd number in a dirent name (NUL-terminated, before `end`).
    @inline(__always)
    private static func fdNumber(_ buffer: UnsafeMutableRawBufferPointer, _ start: Int, end: Int) -> Int32? {
        var stop = start
        while stop < end && buffer[stop] != 0 { stop += 1 }
        guard let value = ProcBytes.decimal(UnsafeRawBufferPointer(rebasing: buffer[start..<stop])),
            value <= UInt64(Int32.max)
        else { return nil }
        return Int32(value)
    }

    /// Whether `pid` has gone, is a zombie, or has started `do_exit` (and so is closing its fds).
    ///
    /// A dying process closes every fd (`exit_files`) while its fd directory stays listable, so
    /// an fd that vanished is either an ordinary close or the start of an exit. `PF_EXITING` is
    /// set before `exit_files`, which makes this check exact: a process is reported whole or not.
    private func isExiting(pid: Int32) -> Bool {
        statExcerpt(pid: pid)?.isExiting ?? true
    }

    /// State and flags of `/proc/PID/stat`; nil if it cannot be read or parsed.
    private func statExcerpt(pid: Int32) -> ProcessFileParsers.StatExcerpt? {
        setPath(pid: pid, suffix: "/stat")
        guard case .success(let fd) = procOpenAt(procFD, pathStart, flags: O_RDONLY) else { return nil }
        defer { closeDescriptor(fd) }
        guard case .success(let length) = systemRead(fd, direntBuffer) else { return nil }
        return ProcessFileParsers.parseStatExcerpt(UnsafeRawBufferPointer(rebasing: direntBuffer[..<length]))
    }

    private static func reason(_ error: Errno, doing what: String) -> String {
        error.meansPermissionDenied ? "permission denied" : "cannot \(what): \(error)"
    }
}
