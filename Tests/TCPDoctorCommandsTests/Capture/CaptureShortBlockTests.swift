import Foundation
import TCPDoctorCapture
import Testing

/// `tcpdoctor capture` on a pcapng whose last block has a length field below 12: bad input, exit 2.
struct CaptureShortBlockTests {
    @Test(arguments: [UInt32(0), 4, 8])
    func lengthBelowTwelveExitsTwo(length: UInt32) throws {
        let directory = try ScratchDirectory()
        let path = directory.file("short.pcapng")
        let capture = CaptureBadInputTests.capture(.pcapng)
        let bytes = capture + [6, 0, 0, 0] + CaptureBadInputTests.littleEndian(length)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let run = try runTCPDoctor(["capture", path])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "error: \(path): byte offset \(capture.count): block length \(length) "
                    + "at byte offset \(capture.count) is below 12"
            ),
            "\(run.stderr)"
        )
    }
}
