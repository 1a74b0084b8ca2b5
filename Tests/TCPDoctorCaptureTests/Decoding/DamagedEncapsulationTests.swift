import TCPDoctorCore
import Testing

@testable import TCPDoctorCapture

/// Bad input through the new decoders: damaged copies of every tunnel and link-layer test frame.
struct DamagedEncapsulationTests {
    typealias Frame = TSharkCrossCheckTests.Frame

    /// Thousands of damaged copies of every tunnel and link-layer frame: whatever the decoder
    /// makes of them, it reads only the bytes it was given (the debug build checks every access)
    /// and a segment it returns lies within the frame.
    @Test(arguments: TSharkCrossCheckTests.frames)
    func damagedFramesNeverCrash(frame: Frame) {
        var random = CommonDecodingTests.SplitMix(state: UInt64(frame.bytes.count) &* 0x9e37_79b9)
        for _ in 0..<300 {
            var bytes = frame.bytes
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let cut = Int.random(in: 0...bytes.count, using: &random)
            let outcome = decode(Array(bytes[..<cut]), linkType: frame.linkType, originalLength: bytes.count)
            if case .tcp(let segment) = outcome {
                #expect(Int(segment.ipLength) <= bytes.count, "\(frame.name)")
            }
        }
    }
}
