@testable import TCPDoctorCore

/// Series of known shape for the trend tests; noise comes from a fixed-seed generator so every
/// run sees the same points.
struct SeriesMaker {
    /// 2026-12-07 13:00:00 UTC.
    static let start: Double = 1_796_648_400

    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Uniform noise in -amplitude...amplitude.
    mutating func noise(_ amplitude: Double) -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let unit = Double(state >> 11) / Double(1 << 53)
        return (unit * 2 - 1) * amplitude
    }

    /// `count` points every `step` seconds from `start`, valued by `value(secondsSinceStart)`.
    static func points(
        count: Int,
        step: Double = 60,
        from start: Double = SeriesMaker.start,
        _ value: (Double) -> Double
    ) -> [TimePoint] {
        (0..<count).map { index in
            let offset = Double(index) * step
            return TimePoint(time: start + offset, value: value(offset))
        }
    }
}
