/// Where a parser delivers the packets it finds.
///
/// A protocol rather than a closure: the parse loops are generic over it, so the compiler
/// specializes them for each consumer and inlines the consumer's per-packet work (for
/// `readSegments`, the decoder's common case) into the record loop instead of calling a closure
/// per packet.
protocol PacketSink {
    /// Takes one packet; its bytes are valid only during the call.
    mutating func take(_ packet: CapturePacket)
}

/// Hands every packet to a closure: what `forEachPacket` gives its caller.
struct ClosureSink: PacketSink {
    let body: (CapturePacket) -> Void

    @inline(__always)
    mutating func take(_ packet: CapturePacket) {
        body(packet)
    }

    /// Runs `work` with a sink over the non-escaping `body`, which the sink never lets escape.
    @inline(__always)
    static func with<Result>(
        _ body: (CapturePacket) -> Void,
        _ work: (inout ClosureSink) throws(CaptureError) -> Result
    ) throws(CaptureError) -> Result {
        try withoutActuallyEscaping(body) { (escapable) throws(CaptureError) -> Result in
            var sink = ClosureSink(body: escapable)
            return try work(&sink)
        }
    }
}
