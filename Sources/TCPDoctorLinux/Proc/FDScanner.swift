import Glibc
import Synchronization
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// Walks `/proc/[pid]/fd` of every process and finds who holds which socket.
///
/// Owners can only be learned this way: the kernel's socket tables know no pids. Only the numeric
/// entries of `/proc` are walked, never `/proc/PID/task`, because threads share their process's
/// fd table. The walk is the cost floor of every attributed view, so it runs on several threads
/// pulling pids from one atomic counter (fd counts are skewed: one process may hold 20,000).
public struct FDScanner: Sendable {
    /// The procfs mount to walk.
    public var procRoot: String

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// Walks the fd directories of `pids` (every process when nil).
    ///
    /// Blocks the calling thread; with `threads > 1` it also starts that many minus one threads.
    /// An fd closed during the walk is skipped; a process that exits during the walk is counted
    /// in `processesVanished` and contributes nothing.
    ///
    /// - Parameters:
    ///   - pids: The processes to walk; nil for every process in `procRoot`.
    ///   - threads: How many threads share the walk (at least 1).
    /// - Returns: Socket holders, fd counts and coverage.
    /// - Throws: `LinuxError.procfsUnreadable` when `procRoot` itself cannot be read.
    public func scan(pids: [Int32]? = nil, threads: Int = 2) throws(LinuxError) -> FDScan {
        let root: ProcDescriptor
        do {
            root = try ProcDescriptor(opening: procRoot, directoryOnly: true)
        } catch {
            throw LinuxError(.procfsUnreadable, "cannot open \(procRoot)", errno: error)
        }
        return try walk(root: root, pids: pids, threads: threads)
    }

    private func walk(root: borrowing ProcDescriptor, pids: [Int32]?, threads: Int) throws(LinuxError) -> FDScan {
        let rootFD = root.rawValue
        let selected: [Int32]
        if let pids { selected = pids } else { selected = try Self.listPIDs(rootFD, procRoot: procRoot) }
        let workerCount = max(1, min(threads, selected.count))
        let workers = (0..<workerCount).map { _ in FDScanWorker(procFD: rootFD) }
        let cursor = FDScanCursor()
        // Threads of their own: a thread that cannot be started leaves its share to the others.
        var helpers: [JoinableThread] = []
        for worker in workers.dropFirst() {
            if case .success(let thread) = systemStartThread({ worker.run(pids: selected, cursor: cursor) }) {
                helpers.append(thread)
            }
        }
        workers[0].run(pids: selected, cursor: cursor)
        while let thread = helpers.popLast() { thread.join() }
        return merge(workers, rootFD: rootFD)
    }

    private func merge(_ workers: [FDScanWorker], rootFD: Int32) -> FDScan {
        var keys: [UInt128] = []
        keys.reserveCapacity(workers.reduce(0) { $0 + $1.keys.count })
        var result = FDScan()
        var holders: [Int32] = []
        var unreadable: [(pid: Int32, reason: String)] = []
        for worker in workers {
            keys.append(contentsOf: worker.keys)
            for (pid, count) in worker.openFiles { result.openFiles[pid] = count }
            holders.append(contentsOf: worker.socketHolders)
            for (pid, startTime) in worker.startTimes { result.startTimes[pid] = startTime }
            unreadable.append(contentsOf: worker.unreadable)
            result.processesScanned += worker.scanned
            result.processesVanished += worker.vanished
        }
        result.owners = SocketOwnerTable(unsortedKeys: &keys)
        result.socketHolders = holders.sorted()
        result.processesUnreadable = unreadable.sorted { $0.pid < $1.pid }.map { entry in
            let comm = readProcFile("\(entry.pid)/comm", relativeTo: rootFD, limit: 64)
            let command = try? comm.get().withUnsafeBytes { ProcessFileParsers.parseCommand($0) }
            return Coverage.UnreadableProcess(pid: entry.pid, command: command, reason: entry.reason)
        }
        return result
    }

    /// The numeric entries of `/proc`: one per process (thread ids are not listed there).
    static func listPIDs(_ rootFD: Int32, procRoot: String) throws(LinuxError) -> [Int32] {
        var pids: [Int32] = []
        let size = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        // A descriptor of its own: getdents64 moves the offset of the one it reads.
        let directory: ProcDescriptor
        do {
            directory = try ProcDescriptor(opening: ".", relativeTo: rootFD, directoryOnly: true)
        } catch {
            throw LinuxError(.procfsUnreadable, "cannot open \(procRoot)", errno: error)
        }
        while true {
            let filled: Int
            switch procGetDents(directory.rawValue, buffer) {
            case .success(let count): filled = count
            case .failure(let error): throw LinuxError(.procfsUnreadable, "cannot list \(procRoot)", errno: error)
            }
            if filled == 0 { break }
            let entries = UnsafeRawBufferPointer(rebasing: buffer[..<filled])
            try ProcBytes.forEachDirent(entries, in: procRoot) { name, _ in
                guard let pid = ProcBytes.decimal(name), pid > 0, pid <= UInt64(Int32.max) else { return }
                pids.append(Int32(pid))
            }
        }
        return pids
    }
}

/// The index of the next pid to walk, shared by the workers of one scan.
final class FDScanCursor: Sendable {
    private let next = Atomic<Int>(0)

    /// Claims the next index; indexes past the end mean the walk is done.
    func claim() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}
