/// The one error type of TCPDoctorCapture: what went wrong, in which file, and where in it.
///
/// Readers raise it for input they cannot go on with (a file that is not a capture, a corrupt block
/// length) and also hand it to the warning callback for problems they can step over (a truncated
/// last record, a malformed packet), so that both arrive with the same file and byte offset.
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A category of failure; a struct over a private enum so that codes can grow.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case emptyFile
            case notACapture
            case unsupportedVersion
            case truncated
            case corruptBlock
            case unsupportedLinkType
            case malformedPacket
            case io
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file has no bytes at all.
        public static let emptyFile = Code(.emptyFile)
        /// The file starts with neither a pcap magic number nor a pcapng Section Header Block.
        public static let notACapture = Code(.notACapture)
        /// A pcap or pcapng header announces a major version this reader does not know.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// The file ends inside a header, record or block (a capture cut short while written).
        public static let truncated = Code(.truncated)
        /// A record or block length is impossible: below the minimum, not a multiple of 4, past the
        /// size limit, or different from the trailing copy; or a block refers to a missing interface.
        public static let corruptBlock = Code(.corruptBlock)
        /// The link-layer header type is one this decoder does not understand.
        public static let unsupportedLinkType = Code(.unsupportedLinkType)
        /// A packet's link, IP or TCP header makes no sense (lengths that contradict each other).
        public static let malformedPacket = Code(.malformedPacket)
        /// A system call on the file failed (open, read, mmap, write).
        public static let io = Code(.io)

        public var description: String {
            switch value {
            case .emptyFile: "empty file"
            case .notACapture: "not a capture"
            case .unsupportedVersion: "unsupported version"
            case .truncated: "truncated"
            case .corruptBlock: "corrupt block"
            case .unsupportedLinkType: "unsupported link type"
            case .malformedPacket: "malformed packet"
            case .io: "I/O error"
            }
        }
    }

    public var code: Code
    /// A sentence naming what is wrong, such as "block length 13 is not a multiple of 4".
    public var message: String
    /// The path as given by the caller; `-` for standard input.
    public var file: String
    /// Where in the file the problem starts, when it concerns particular bytes.
    public var byteOffset: Int64?
    /// The 1-based packet number, when the problem concerns one packet.
    public var packetNumber: UInt64?
    /// The `errno` of a failed system call, for `.io`.
    public var errno: Int32?

    public init(
        _ code: Code,
        _ message: String,
        file: String,
        byteOffset: Int64? = nil,
        packetNumber: UInt64? = nil,
        errno: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.byteOffset = byteOffset
        self.packetNumber = packetNumber
        self.errno = errno
    }

    /// A file that ends inside `what` after `packetsRead` whole packets: the warning both
    /// readers give for a truncated tail, after which what was read is still reported.
    static func truncatedTail(
        inside what: String,
        remaining: Int,
        packetsRead: UInt64,
        file: String,
        byteOffset: Int64
    ) -> CaptureError {
        CaptureError(
            .truncated,
            "the file ends inside \(what) (\(remaining) bytes present); the \(packetsRead) packets before it were read",
            file: file,
            byteOffset: byteOffset,
            packetNumber: packetsRead + 1
        )
    }

    /// `FILE: byte offset N: packet P: message`, with the parts that are known.
    public var description: String {
        var text = file.isEmpty ? "" : file + ": "
        if let byteOffset { text += "byte offset \(byteOffset): " }
        if let packetNumber { text += "packet \(packetNumber): " }
        return text + message
    }
}
