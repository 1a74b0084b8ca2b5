// The `proc-net-tcp` and `proc-counters` fuzz targets: /proc/net/tcp{,6}, the fallback when
// netlink is unavailable, and /proc/net/{snmp,netstat,sockstat}.

import TCPDoctorCore

@testable import TCPDoctorLinux

enum ProcNetTargets {
    static let tcpFile = "/proc/net/tcp"
    static let countersFile = "/proc/net/netstat"

    /// The whole file and its lines one by one must give the same records and the same first error.
    static func tcp(_ bytes: UnsafeRawBufferPointer) {
        var whole: Result<[SocketRecord], LinuxError>
        do throws(LinuxError) {
            whole = .success(try ProcNetTCPParser.parse(bytes, file: tcpFile, netns: 5))
        } catch {
            ProcFileTargets.expectNamed(error, tcpFile)
            whole = .failure(error)
        }
        var lines: [SocketRecord] = []
        var lineByLine: Result<[SocketRecord], LinuxError> = .success([])
        var start = 0
        var number = 1
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            do {
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                if let record = try ProcNetTCPParser.parseLine(line, file: tcpFile, lineNumber: number, netns: 5) {
                    lines.append(record)
                }
            } catch {
                lineByLine = .failure(error)
                break
            }
            start = end + 1
            number += 1
        }
        if case .success = lineByLine { lineByLine = .success(lines) }
        if whole != lineByLine { fail("the file and its lines parse differently:\n\(whole)\n\(lineByLine)") }
    }

    /// snmp/netstat counters written back as header and value lines parse to the same counters.
    static func counters(_ bytes: UnsafeRawBufferPointer) {
        do throws(LinuxError) {
            let counters = try KernelCounters.parse(bytes, file: countersFile)
            var text = ""
            for (section, values) in counters.sections {
                let names = Array(values.keys)
                text += "\(section): \(names.joined(separator: " "))\n"
                text += "\(section): \(names.map { String(values[$0] ?? 0) }.joined(separator: " "))\n"
            }
            let again = Array(text.utf8).withUnsafeBytes { try? KernelCounters.parse($0, file: countersFile) }
            if again != counters { fail("counters written back parse differently:\n\(counters)\n\(again)") }
        } catch {
            ProcFileTargets.expectNamed(error, countersFile)
        }
        do throws(LinuxError) {
            _ = try SocketStatistics.parse(bytes, file: countersFile)
        } catch {
            ProcFileTargets.expectNamed(error, countersFile)
        }
    }
}
