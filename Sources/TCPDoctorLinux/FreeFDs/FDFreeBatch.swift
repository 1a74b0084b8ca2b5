import Glibc
import SystemPackage
import TCPDoctorCore
import TCPDoctorSystem

/// The injected calls of one plan, in one stop: the fd checks first, then close_range over each
/// run of consecutive fds and close for the others (or openat of /dev/null, dup3 onto each fd,
/// and close of the /dev/null fd).
enum FDFreeBatch {
    static func run(
        _ plan: FDFreePlan,
        injector: SyscallInjector,
        outcomes: inout [FDFreeOutcome],
        holding held: HeldDuplicates,
        closeOnExec: Set<Int32> = []
    ) throws(FDFreeFailure) {
        guard case .success(let pidfd) = systemOpenPIDFD(plan.pid) else {
            throw FDFreeFailure(step: "check", message: "pidfd_open of process \(plan.pid) failed")
        }
        defer { closeDescriptor(pidfd) }
        // The process is stopped: nothing but the calls below changes its fd table, so one
        // check per fd before them holds for each.
        // Each checked duplicate is kept (as long as tcpdoctor has fds to spare) so that the
        // process's close drops only its own reference and stays cheap: the socket itself is
        // torn down when `held` closes the duplicates, after the detach.
        let checks = plan.targets.map { target in
            let (check, duplicate) = FDFreer.checkedDuplicate(pidfd: pidfd, fd: target.fd, inode: target.inode)
            if let duplicate { held.keep(duplicate) }
            return check
        }
        let devNull = plan.mode == .placeholder ? try openDevNull(injector) : nil
        var devNullOpen = devNull != nil
        defer {
            // After a failure midway: the process must not keep the extra fd.
            if devNullOpen, let devNull {
                _ = try? injector.call(InjectedSyscall.close, [UInt64(devNull)], name: "close")
            }
        }
        let targets = plan.targets
        var index = 0
        while index < targets.count {
            let target = targets[index]
            if let check = checks[index] {
                outcomes.append(FDFreeOutcome(target: target, result: check))
                index += 1
                continue
            }
            let fd = UInt64(UInt32(bitPattern: target.fd))
            if let devNull {
                let flags = closeOnExec.contains(target.fd) ? UInt64(O_CLOEXEC) : 0
                let result = try injector.call(InjectedSyscall.dup3, [UInt64(devNull), fd, flags], name: "dup3")
                let outcome: FDFreeOutcome.Result =
                    result == Int64(target.fd)
                    ? .replaced : .failed(call: "dup3", errno: Int32(truncatingIfNeeded: -result))
                outcomes.append(FDFreeOutcome(target: target, result: outcome))
                index += 1
                continue
            }
            // A run of consecutive fds, every one of them checked, closes in one close_range:
            // no fd outside the plan lies between its ends. Leaked fds are often such runs.
            var end = index + 1
            while end < targets.count && checks[end] == nil && targets[end].fd == targets[end - 1].fd + 1 { end += 1 }
            if end - index > 1 {
                let last = UInt64(UInt32(bitPattern: targets[end - 1].fd))
                let result = try injector.call(InjectedSyscall.closeRange, [fd, last, 0], name: "close_range")
                if result == 0 {
                    for closed in targets[index..<end] {
                        outcomes.append(FDFreeOutcome(target: closed, result: .closed))
                    }
                    index = end
                    continue
                }
                // Without close_range (Linux < 5.9: ENOSYS), or refused: one close per fd.
            }
            let result = try injector.call(InjectedSyscall.close, [fd], name: "close")
            // close() frees the fd even when it reports an error (Linux): EINTR or EIO from
            // the last reference's release is reported, never retried.
            let outcome: FDFreeOutcome.Result =
                result == 0 ? .closed : .failed(call: "close", errno: Int32(truncatingIfNeeded: -result))
            outcomes.append(FDFreeOutcome(target: target, result: outcome))
            index += 1
        }
        if let devNull {
            devNullOpen = false
            let result = try injector.call(InjectedSyscall.close, [UInt64(devNull)], name: "close")
            guard result == 0 else {
                let error = Errno(rawValue: Int32(truncatingIfNeeded: -result))
                throw FDFreeFailure(
                    step: "close",
                    message:
                        "the injected close of the /dev/null fd \(devNull) the placeholders were made from failed: \(error)"
                )
            }
        }
    }

    /// openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC) inside the process, the path written
    /// below its stack pointer and put back afterwards.
    private static func openDevNull(_ injector: SyscallInjector) throws(FDFreeFailure) -> Int32 {
        let path = Array("/dev/null".utf8) + [UInt8](repeating: 0, count: 7)
        let (address, saved) = try injector.writeScratch(path)
        defer { injector.unwrite(address, saved) }
        let result = try injector.call(
            InjectedSyscall.openat,
            [
                UInt64(bitPattern: InjectedSyscall.currentDirectory), address,
                UInt64(InjectedSyscall.openFlagsForDevNull),
            ],
            name: "openat"
        )
        guard result >= 0 else {
            let error = Errno(rawValue: Int32(truncatingIfNeeded: -result))
            throw FDFreeFailure(step: "openat", message: "the injected openat of /dev/null failed: \(error)")
        }
        return Int32(result)
    }
}

/// Duplicates of the freed sockets, held by tcpdoctor until the process runs again.
///
/// The one owner of those descriptors: `closeAll()` or deinit closes them. It raises this
/// process's soft fd limit toward the hard one to make room, and puts it back when done; when
/// there is no room, a duplicate is closed at once (the socket is then torn down inside the stop).
final class HeldDuplicates {
    private var fds: [Int32] = []
    private var savedLimit: (soft: UInt64, hard: UInt64)?

    init(room: Int) {
        guard case .success(let limit) = systemOpenFileLimit() else { return }
        let wanted = min(limit.hard, limit.soft + UInt64(room))
        if wanted > limit.soft, case .success = systemSetOpenFileLimit(soft: wanted, hard: limit.hard) {
            savedLimit = limit
        }
    }

    func keep(_ fd: Int32) {
        fds.append(fd)
        // Leave a margin for the calls tcpdoctor still makes while the process is stopped.
        if case .success(let limit) = systemOpenFileLimit(), UInt64(fd) + 64 >= limit.soft {
            closeDescriptor(fd)
            fds.removeLast()
        }
    }

    func closeAll() {
        for fd in fds { closeDescriptor(fd) }
        fds = []
        if let savedLimit {
            _ = systemSetOpenFileLimit(soft: savedLimit.soft, hard: savedLimit.hard)
            self.savedLimit = nil
        }
    }

    deinit { closeAll() }
}
