/// Where `SegmentExtractor` delivers the TCP segments it decodes.
///
/// A protocol for the reason `PacketSink` is one: the extractor is generic over it, so a
/// consumer's per-segment work (for `ConnectionAnalyzer.read(file:)`, the analyzer's) is compiled
/// into the record loop rather than reached through closures per segment.
protocol SegmentSink {
    /// Takes one segment.
    mutating func take(_ segment: TCPSegment)
}

/// Hands every segment to a closure: what `readSegments` gives its caller.
struct ClosureSegmentSink: SegmentSink {
    let body: (TCPSegment) -> Void

    @inline(__always)
    mutating func take(_ segment: TCPSegment) {
        body(segment)
    }
}
