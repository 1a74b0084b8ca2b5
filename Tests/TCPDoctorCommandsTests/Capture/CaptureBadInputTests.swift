import Foundation
import TCPDoctorCapture
import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

/// Bad captures: a clear message naming the file and byte offset, exit 2, never a crash or hang;
/// a truncated tail is a warning and the rest is reported.
struct CaptureBadInputTests {
    struct BadCapture: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: @Sendable () -> [UInt8]
        var status: Int32
        /// Expected in the message on standard error, after the file name; nil: nothing on stderr.
        var message: String?
        var connectionsReported: Int?

        var testDescription: String { name }
    }

    /// A capture of the client-close scenario followed by the refused one, as pcap or pcapng bytes.
    static func capture(_ format: CaptureFormat = .pcap, linkType: LinkType = .ethernet) -> [UInt8] {
        let segments = CloseScenario.all[0].segments(number: 0) + CloseScenario.all[5].segments(number: 1)
        return SegmentCaptureWriter.captureBytes(
            of: segments.sorted { $0.timestampNanoseconds < $1.timestampNanoseconds },
            format: format,
            linkType: linkType
        )
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static let cases: [BadCapture] = [
        BadCapture(name: "zero-length file", bytes: { [] }, status: 2, message: "empty"),
        BadCapture(
            name: "not a capture",
            bytes: { Array("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8) },
            status: 2,
            message: "byte offset 0: "
        ),
        BadCapture(
            name: "huge record length (pcap)",
            bytes: {
                var bytes = capture()
                // The first record's incl_len, after the 24-byte file header and ts_sec, ts_usec.
                bytes.replaceSubrange(32..<36, with: littleEndian(0x7fff_ffff))
                return bytes
            },
            status: 2,
            message: "byte offset 24: "
        ),
        BadCapture(
            name: "huge snaplen in the file header",
            bytes: {
                var bytes = capture()
                bytes.replaceSubrange(16..<20, with: littleEndian(0xffff_ffff))
                return bytes
            },
            status: 0,
            message: nil,
            connectionsReported: 2
        ),
        BadCapture(
            name: "corrupt pcapng block length after the first connection",
            bytes: {
                var bytes = capture(.pcapng)
                // Walk the blocks to the last Enhanced Packet Block and give it length 45.
                var offset = 0
                var last = 0
                while offset + 8 <= bytes.count {
                    let length = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16
                    if bytes[offset] == 6 { last = offset }
                    offset += length
                }
                bytes.replaceSubrange(last + 4..<last + 8, with: littleEndian(45))
                return bytes
            },
            status: 2,
            message: "not a multiple of 4",
            connectionsReported: 2
        ),
        BadCapture(
            name: "truncated last record",
            bytes: { Array(capture().dropLast(10)) },
            status: 0,
            message: "warning: ",
            connectionsReported: 2
        ),
        BadCapture(
            name: "garbage link-layer bytes",
            bytes: {
                let writer = PCAPWriter(linkType: .raw, precision: .microseconds)
                for index in 0..<3 {
                    // IP version 7: not IPv4, not IPv6.
                    try? writer.write([0x70 + UInt8(index), 1, 2, 3, 4, 5, 6, 7], timestampNanoseconds: 1_000_000_000)
                }
                return writer.bytes
            },
            status: 2,
            message: "none of its 3 packets could be decoded"
        ),
    ]

    @Test(arguments: cases)
    func badCaptureGetsAClearMessage(_ bad: BadCapture) throws {
        let directory = try ScratchDirectory()
        let path = directory.file("bad.pcap")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bad.bytes())))
        for arguments in [["capture", path], ["capture", "--json", path]] {
            let run = try runTCPDoctor(arguments)
            #expect(run.status == bad.status, "\(arguments): \(run.stderr)")
            #expect(!run.stderr.contains("Fatal error"), "\(run.stderr)")
            if bad.status == 2 {
                #expect(
                    run.stderr.hasPrefix("error: \(path): ") || run.stderr.contains("\nerror: \(path): "),
                    "\(run.stderr)"
                )
            }
            if let message = bad.message {
                #expect(run.stderr.contains(message), "\(run.stderr)")
            } else {
                #expect(run.stderr.isEmpty, "\(run.stderr)")
            }
            if arguments.contains("--json") {
                // One document whatever happened, with the error that stopped reading.
                let document = try run.json()
                #expect((document["connections"] as? [Any])?.count == bad.connectionsReported ?? 0)
                #expect((document["error"] is NSNull) == (bad.status == 0))
            } else if let connections = bad.connectionsReported {
                #expect(run.stdout.contains("\(connections) TCP connections"), "\(run.stdout)")
            } else {
                #expect(run.stdout.isEmpty, "\(run.stdout)")
            }
        }
    }

    @Test func truncatedTailWarningNamesTheOffset() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("cut.pcap")
        let bytes = Self.capture()
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes.dropLast(10))))
        let run = try runTCPDoctor(["capture", "--json", path])
        #expect(run.status == 0)
        #expect(run.stderr.hasPrefix("warning: \(path): byte offset "), "\(run.stderr)")
        let warnings = try #require(try run.json()["warnings"] as? [[String: Any]])
        #expect(warnings.first?["code"] as? String == "truncated")
        #expect(warnings.first?["file"] as? String == path)
        #expect(warnings.first?["byte_offset"] as? Int ?? 0 > 24)
    }

    @Test func missingFileAndDirectoryAreBadInput() throws {
        let directory = try ScratchDirectory()
        let missing = try runTCPDoctor(["capture", directory.file("nothing.pcap")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nothing.pcap: cannot open: No such file or directory"), "\(missing.stderr)")
        let folder = try runTCPDoctor(["capture", directory.path])
        #expect(folder.status == 2, "\(folder.stderr)")
        #expect(folder.stderr.contains("error: \(directory.path): "), "\(folder.stderr)")
    }

    @Test(arguments: [
        (["capture"], "give at least one capture file"),
        (["capture", "--svg", "x.svg", "a.pcap"], "--svg draws the --ladder diagram"),
        (["capture", "--ended", "closed", "a.pcap"], "unknown --ended value 'closed'"),
        (["capture", "--closer", "client", "a.pcap"], "unknown --closer value 'client'"),
        (["capture", "--filter", "dport =", "a.pcap"], "invalid --filter 'dport ='"),
        (["capture", "--host", "10.0.0.1:80", "a.pcap"], "--host takes one address"),
        (["capture", "--port", "http", "a.pcap"], "--port takes a port number"),
        (["capture", "--ladder", "0", "a.pcap"], "--ladder N counts from 1"),
        (["capture", "--ladder", "1", "-"], "save it to a file first"),
        (["capture", "--ladder", "1", "--json", "a.pcap"], "use --json without it"),
        (["capture", "-", "-"], "can be read only once"),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let run = try runTCPDoctor(arguments)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        if arguments.contains("--json") {
            #expect((try run.json()["error"] as? [String: Any])?["code"] as? String == "usage", "\(run.stdout)")
        } else {
            #expect(run.stdout.isEmpty)
        }
    }
}
