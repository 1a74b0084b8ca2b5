import TCPDoctorCaptureWriters
import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// `PacketDecoder.decodeCommon`, the reader's fast path, must agree with the general decoder on
/// every frame it accepts and leave the rest to it; these tests compare the two on built frames
/// and on thousands of damaged copies of them.
struct CommonDecodingTests {
    /// The general decoder's verdict and segment, with the fields the caller sets filled in.
    static func general(_ frame: [UInt8], linkType: LinkType, originalLength: Int) -> (PacketOutcome, TCPSegment) {
        var segment = TCPSegment.zero
        segment.timestampNanoseconds = 42
        segment.packetNumber = 9
        let outcome = frame.withUnsafeBytes {
            PacketDecoder.decode($0, linkType: linkType, originalLength: originalLength, into: &segment)
        }
        return (outcome, segment)
    }

    static func common(_ frame: [UInt8], linkType: LinkType, originalLength: Int) -> TCPSegment? {
        // Start from a segment full of other values, so that a field the fast path forgets shows.
        var segment = SampleSegments.syn(from: SampleSegments.server6, to: SampleSegments.client6)
        segment.timestampNanoseconds = 42
        segment.packetNumber = 9
        let taken = frame.withUnsafeBytes {
            PacketDecoder.decodeCommon($0, linkType: linkType, originalLength: originalLength, into: &segment)
        }
        return taken ? segment : nil
    }

    /// Whether the two decoders agree on a frame; returns whether the fast path took it.
    @discardableResult
    static func expectAgreement(
        _ frame: [UInt8],
        linkType: LinkType,
        originalLength: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Bool {
        let (outcome, segment) = general(frame, linkType: linkType, originalLength: originalLength)
        guard let fast = common(frame, linkType: linkType, originalLength: originalLength) else { return false }
        #expect(outcome == .tcp, "\(linkType) frame \(frame)", sourceLocation: sourceLocation)
        #expect(fast == segment, "\(linkType) frame \(frame)", sourceLocation: sourceLocation)
        #expect(fast.ipLength == segment.ipLength, "\(linkType) frame \(frame)", sourceLocation: sourceLocation)
        return true
    }

    /// Segments that cover the option layouts the fast path treats apart: none, timestamps alone
    /// (NOP, NOP, TS), and a SYN's full set.
    static func seeds(ipv6: Bool) -> [TCPSegment] {
        var segments = SampleSegments.conversation(ipv6: ipv6)
        var stamped = segments[3]
        stamped.options.timestamp = (value: 0x0102_0304, echo: 0xa0b0_c0d0)
        segments.append(stamped)
        var offload = segments[3]
        offload.payloadLength = 65_160
        segments.append(offload)
        return segments
    }

    static let fastLinkTypes: [LinkType] = [
        .ethernet, .linuxSLL, .linuxSLL2, .raw, .rawBSD, .rawOpenBSD, .ipv4, .ipv6,
    ]

    @Test(arguments: fastLinkTypes)
    func builtFramesTakeTheFastPathAndAgree(linkType: LinkType) {
        for ipv6 in [false, true] where !(linkType == .ipv4 && ipv6) && !(linkType == .ipv6 && !ipv6) {
            for segment in Self.seeds(ipv6: ipv6) {
                let builder = PacketBuilder(linkType: linkType)
                let frame = builder.frame(for: segment)
                #expect(Self.expectAgreement(frame, linkType: linkType, originalLength: frame.count))
                // Cut after the TCP header (as by a small snaplen): the original length still rules.
                let headerEnd = frame.count - Int(min(segment.payloadLength, UInt32(frame.count)))
                let cut = Array(frame.prefix(headerEnd))
                #expect(Self.expectAgreement(cut, linkType: linkType, originalLength: frame.count))
            }
        }
    }

    @Test func framesTheFastPathLeavesToTheGeneralDecoder() {
        let segment = SampleSegments.conversation()[3]
        let segment6 = SampleSegments.conversation(ipv6: true)[3]
        var tagged = PacketBuilder(linkType: .ethernet)
        tagged.vlanTags = [PacketBuilder.VLANTag(vlan: 10)]
        var withIPOptions = PacketBuilder(linkType: .ethernet)
        withIPOptions.ipv4Options = [1, 1, 1, 0]
        var fragment = PacketBuilder(linkType: .ethernet)
        fragment.fragment = PacketBuilder.Fragment(offset: 0, moreFragments: true)
        var extensionHeader = PacketBuilder(linkType: .ethernet)
        extensionHeader.ipv6ExtensionHeaders = [PacketBuilder.IPv6ExtensionHeader(type: 0)]
        let frames: [(LinkType, [UInt8])] = [
            (.ethernet, tagged.frame(for: segment)),
            (.ethernet, withIPOptions.frame(for: segment)),
            (.ethernet, fragment.frame(for: segment)),
            (.ethernet, extensionHeader.frame(for: segment6)),
            (.null, PacketBuilder(linkType: .null).frame(for: segment)),
            (.ipv4, PacketBuilder(linkType: .ipv6).frame(for: segment6)),
            (.ipv6, PacketBuilder(linkType: .ipv4).frame(for: segment)),
        ]
        for (linkType, frame) in frames {
            #expect(Self.common(frame, linkType: linkType, originalLength: frame.count) == nil, "\(linkType)")
            // The general decoder still reads the ones that are whole TCP segments.
            let (outcome, _) = Self.general(frame, linkType: linkType, originalLength: frame.count)
            #expect(outcome != .unsupportedLinkType)
        }
    }

    /// A small deterministic generator (SplitMix64), so that failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: fastLinkTypes + [.null, .loop])
    func damagedFramesGetTheSameVerdict(linkType: LinkType) {
        var random = SplitMix(state: UInt64(linkType.rawValue))
        var taken = 0
        var total = 0
        for ipv6 in [false, true] {
            for segment in Self.seeds(ipv6: ipv6) {
                let frame = PacketBuilder(linkType: linkType).frame(for: segment)
                let headerEnd = min(frame.count, 100)
                for _ in 0..<400 {
                    var damaged = frame
                    var originalLength = frame.count
                    for _ in 0..<Int.random(in: 1...3, using: &random) {
                        switch Int.random(in: 0..<4, using: &random) {
                        case 0:
                            damaged[Int.random(in: 0..<headerEnd, using: &random)] = UInt8.random(
                                in: 0...255,
                                using: &random
                            )
                        case 1:
                            // Flip one bit, which keeps most headers plausible.
                            let index = Int.random(in: 0..<headerEnd, using: &random)
                            damaged[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                        case 2:
                            damaged = Array(damaged.prefix(Int.random(in: 0...damaged.count, using: &random)))
                        default:
                            originalLength = Int.random(in: 0...(frame.count + 100), using: &random)
                        }
                        if damaged.count < headerEnd { break }
                    }
                    total += 1
                    if Self.expectAgreement(damaged, linkType: linkType, originalLength: originalLength) { taken += 1 }
                }
            }
        }
        // The fast path must have taken a good share (damage often hits only the payload or a
        // field it copies), or the comparison above proved nothing.
        if linkType == .null || linkType == .loop {
            #expect(taken == 0)
        } else {
            #expect(taken > total / 20, "fast path took \(taken) of \(total)")
        }
    }
}
