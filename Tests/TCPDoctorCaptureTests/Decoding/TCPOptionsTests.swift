import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

struct TCPOptionsTests {
    static func summary(
        mss: UInt16? = nil,
        scale: UInt8? = nil,
        sack: Bool = false,
        timestamp: (UInt32, UInt32)? = nil
    ) -> TCPOptionsSummary {
        var options = TCPOptionsSummary(maximumSegmentSize: mss, windowScale: scale, sackPermitted: sack)
        options.timestamp = timestamp.map { (value: $0.0, echo: $0.1) }
        return options
    }

    /// (raw option bytes, padded by the builder to 4 bytes, and the summary they give)
    static let cases: [([UInt8], TCPOptionsSummary)] = [
        ([], summary()),
        ([2, 4, 0x05, 0xb4], summary(mss: 1460)),
        (
            [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7],
            summary(mss: 1460, scale: 7, sack: true, timestamp: (1, 2))
        ),
        ([1, 1, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], summary(timestamp: (0xffff_ffff, 0))),
        ([0, 2, 4, 0x05, 0xb4], summary()),  // End of Options List first: nothing after it counts
        ([2, 3, 0x05, 0xb4], summary()),  // MSS with the wrong length: skipped by its length byte
        ([2, 0, 0x05, 0xb4], summary()),  // a length below 2 ends the walk
        ([3, 3, 14, 2, 40, 0x05], summary(scale: 14)),  // a length past the end ends the walk
        ([5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 4, 2], summary(sack: true)),  // SACK blocks skipped
        ([254, 4, 0xf9, 0x89, 3, 3, 9], summary(scale: 9)),  // experimental option skipped
    ]

    @Test(arguments: cases.indices)
    func optionsAreSummarised(index: Int) {
        let (bytes, expected) = Self.cases[index]
        var builder = PacketBuilder(linkType: .raw)
        builder.extraTCPOptions = bytes
        let frame = builder.frame(for: SampleSegments.data(length: 0))
        guard case .tcp(let segment) = decode(frame, linkType: .raw) else {
            Issue.record("not decoded")
            return
        }
        #expect(segment.options == expected)
    }

    @Test func flagsIncludeTheNonceBit() {
        var segment = SampleSegments.data(length: 0)
        segment.flags = [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr, .ns]
        let frame = PacketBuilder(linkType: .raw).frame(for: segment)
        guard case .tcp(let decoded) = decode(frame, linkType: .raw) else {
            Issue.record("not decoded")
            return
        }
        #expect(decoded.flags == segment.flags)
        #expect(decoded.flags.rawValue == 0x1ff)
    }
}
