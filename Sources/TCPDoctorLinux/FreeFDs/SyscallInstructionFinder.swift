import TCPDoctorSystem

/// Finds a syscall instruction in a stopped process: the one its thread is stopped after, else
/// one in the vDSO, else one in an executable mapping (/proc/PID/maps).
enum SyscallInstructionFinder {
    static func find(pid: Int32, tid: Int32, registers: ThreadRegisters) -> (UInt64, String)? {
        let instruction = InjectedSyscall.instruction
        let length = UInt64(instruction.count)
        if registers.syscallNumber >= 0, registers.programCounter >= length {
            let address = registers.programCounter - length
            if read(pid: pid, tid: tid, at: address, count: instruction.count) == instruction {
                return (address, "current-syscall")
            }
        }
        let mappings = executableMappings(ProcText.read("/proc/\(pid)/maps") ?? "")
        for mapping in mappings.sorted(by: { ($0.name == "[vdso]" ? 0 : 1) < ($1.name == "[vdso]" ? 0 : 1) }) {
            var start = mapping.start
            while start < mapping.end {
                let count = Int(min(mapping.end - start, 1 << 20))
                let bytes = read(pid: pid, tid: tid, at: start, count: count)
                if let offset = search(bytes, for: instruction) {
                    return (start + UInt64(offset), mapping.name == "[vdso]" ? "vdso" : mapping.name)
                }
                // An instruction split across two chunks is found by overlapping them.
                start += UInt64(count) - (UInt64(count) < mapping.end - start ? length : 0)
                if count <= instruction.count { break }
            }
        }
        return nil
    }

    /// The first offset of `pattern` in `bytes`, aligned to its length (aarch64 instructions
    /// are aligned; on x86_64 the length is 2 and `0f 05` decodes as syscall at any offset,
    /// but an aligned one is as good).
    static func search(_ bytes: [UInt8], for pattern: [UInt8]) -> Int? {
        let step = pattern.count == 2 ? 1 : pattern.count
        var offset = 0
        while offset + pattern.count <= bytes.count {
            if bytes[offset..<offset + pattern.count].elementsEqual(pattern) { return offset }
            offset += step
        }
        return nil
    }

    struct Mapping: Equatable {
        var start: UInt64
        var end: UInt64
        var name: String
    }

    /// The executable mappings of a /proc/PID/maps text (`r-xp`, readable and executable).
    static func executableMappings(_ maps: String) -> [Mapping] {
        maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[1].hasPrefix("r"), fields[1].dropFirst(2).hasPrefix("x") else { return nil }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16)
            else { return nil }
            let name = fields.count > 5 ? String(fields[5].drop { $0 == " " }) : ""
            return Mapping(start: start, end: end, name: name)
        }
    }

    /// Bytes of the process's memory: process_vm_readv, else word by word with PTRACE_PEEKDATA.
    private static func read(pid: Int32, tid: Int32, at address: UInt64, count: Int) -> [UInt8] {
        if case .success(let bytes) = systemReadProcessMemory(pid: pid, at: address, count: count), bytes.count == count
        {
            return bytes
        }
        var bytes: [UInt8] = []
        let base = address & ~7
        var at = base
        while at < address + UInt64(count) {
            guard case .success(let word) = ptracePeek(tid, at: at) else { break }
            for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(index)))) }
            at += 8
        }
        let skip = Int(address - base)
        return bytes.count > skip ? Array(bytes[skip..<min(bytes.count, skip + count)]) : []
    }
}
