/// Where a reader stage delivers what it finds: a parser its packets (`PacketSink`), the segment
/// extractor its TCP segments (`SegmentSink`).
///
/// A protocol rather than a closure: the parse loops are generic over it, so the compiler
/// specializes them for each consumer and inlines the consumer's per-item work (for
/// `readSegments`, the decoder's common case; for `ConnectionAnalyzer.read(file:)`, the analyzer's)
/// into the record loop instead of calling a closure per item.
protocol ItemSink<Item> {
    associatedtype Item
    /// Takes one item; a packet's bytes are valid only during the call.
    mutating func take(_ item: Item)
}

/// A parser's sink.
typealias PacketSink = ItemSink<CapturePacket>
/// The segment extractor's sink.
typealias SegmentSink = ItemSink<TCPSegment>

/// Hands every item to a closure: what `forEachPacket` and `readSegments` give their callers.
struct ClosureSink<Item>: ItemSink {
    let body: (Item) -> Void

    @inline(__always)
    mutating func take(_ item: Item) {
        body(item)
    }

    /// Runs `work` with a sink over the non-escaping `body`, which the sink never lets escape.
    @inline(__always)
    static func with<Result>(
        _ body: (Item) -> Void,
        _ work: (inout ClosureSink) throws(CaptureError) -> Result
    ) throws(CaptureError) -> Result {
        try withoutActuallyEscaping(body) { (escapable) throws(CaptureError) -> Result in
            var sink = ClosureSink(body: escapable)
            return try work(&sink)
        }
    }
}
