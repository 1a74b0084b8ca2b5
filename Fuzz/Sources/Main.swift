// libFuzzer entry points of tcpdoctor's fuzz targets; not part of the package. Built by
// Fuzz/build.sh, run by Fuzz/run.sh (one target) and Fuzz/smoke.sh (every target, briefly).
//
// One binary holds every target; TCPDOCTOR_FUZZ_TARGET names the one to run. Each target's calls
// into the parsers are in its own file (CaptureTarget.swift, NetlinkTarget.swift, ...), so that a
// parser's new signature is fixed there, in one line. TCPDOCTOR_FUZZ_SEEDS=DIR writes the synthetic
// seeds of every target into DIR/TARGET/ and exits.

import Glibc

/// A parser family with its own corpus.
enum FuzzTarget: String, CaseIterable {
    case capture
    case netlink
    case procStat = "proc-stat"
    case procStatus = "proc-status"
    case procCommandLine = "proc-cmdline"
    case procNetTCP = "proc-net-tcp"
    case procCounters = "proc-counters"
    case filter
    case elf

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .capture: fuzzCapture(bytes)
        case .netlink: NetlinkTarget.run(bytes)
        case .procStat: ProcFileTargets.stat(bytes)
        case .procStatus: ProcFileTargets.status(bytes)
        case .procCommandLine: ProcFileTargets.commandLine(bytes)
        case .procNetTCP: ProcNetTargets.tcp(bytes)
        case .procCounters: ProcNetTargets.counters(bytes)
        case .filter: FilterTarget.run(bytes)
        case .elf: ELFTarget.run(bytes)
        }
    }
}

/// The target chosen at start-up.
var selectedTarget = FuzzTarget.capture

/// Reports a finding on standard error (unbuffered, so it survives the abort) and aborts.
func fail(_ message: String) -> Never {
    fputs(message + "\n", stderr)
    abort()
}

/// Writes one seed file; a seed that cannot be written is a broken setup, so it stops the run.
func writeSeed(_ name: String, _ bytes: [UInt8], into directory: String) {
    guard let file = fopen(directory + "/" + name, "wb") else { fail("cannot write \(directory)/\(name)") }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> CInt {
    if let directory = getenv("TCPDOCTOR_FUZZ_SEEDS").map({ String(cString: $0) }) {
        for target in FuzzTarget.allCases { mkdir(directory + "/" + target.rawValue, 0o755) }
        do {
            try CaptureSeeds.write(into: directory + "/capture")
        } catch {
            fail("cannot write the capture seeds: \(error)")
        }
        FilterTarget.writeSeeds(into: directory + "/filter")
        exit(0)
    }
    let name = getenv("TCPDOCTOR_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        fputs("TCPDOCTOR_FUZZ_TARGET must be one of: \(names)\n", stderr)
        exit(64)
    }
    selectedTarget = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.run(UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size))
    return 0
}
