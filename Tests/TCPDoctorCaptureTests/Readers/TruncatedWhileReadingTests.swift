import Foundation
import Glibc
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// A capture file cut short by another process while tcpdoctor reads it (a rotating tcpdump, an
/// operator's `truncate`): the packets before the cut are read and the shrinking is reported,
/// never a SIGBUS. A file the reader had memory-mapped faulted on the first page past the new end.
struct TruncatedWhileReadingTests {
    /// 140 records of 60,000 bytes (8.4 MB): large records, which the reader used to map after
    /// its first MiB.
    static func capture() throws -> [UInt8] {
        let writer = PCAPWriter(linkType: .raw, byteOrder: .littleEndian, precision: .nanoseconds)
        for index in 0..<140 {
            let frame = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 60_000)
            try writer.write(frame, timestampNanoseconds: 1_700_000_000_000_000_000 + Int64(index) * 1000)
        }
        return writer.bytes
    }

    /// Deterministic: the file is open (and its size taken) when the first packet arrives, and
    /// the test truncates it then, from the packet callback, to a length inside the 50th record.
    @Test func fileTruncatedDuringTheReadIsReportedNotACrash() throws {
        let bytes = try Self.capture()
        let directory = try TemporaryDirectory()
        let path = directory.file("shrinking.pcap")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        // pcap: a 24-byte file header, then records of a 16-byte header and 60,000 bytes.
        let cut = 24 + 49 * 60_016 + 100
        var packets = 0
        var warnings: [CaptureError] = []
        var truncated = false
        do {
            try CaptureReader.forEachPacket(
                inFile: path,
                onPacket: { _ in
                    packets += 1
                    if !truncated { truncated = Glibc.truncate(path, off_t(cut)) == 0 }
                },
                onWarning: { warnings.append($0) }
            )
        } catch {
            Issue.record("a shrinking file is read up to its new end, not failed: \(error)")
        }
        #expect(truncated)
        #expect(packets == 49)
        #expect(warnings.map(\.code) == [.truncated, .truncated], "\(warnings)")
        let shrank = try #require(warnings.last)
        #expect(shrank.message.contains("shrank from \(bytes.count) to \(cut) bytes while it was read"), "\(shrank)")
        #expect(shrank.byteOffset == Int64(cut))
    }
}
