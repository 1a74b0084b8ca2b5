import Testing

@testable import TCPDoctorCore

@Suite struct HistoryTimeTests {
    /// 2026-12-07 13:00:00 UTC.
    static let now: Double = 1_796_648_400

    static let valid: [(text: String, time: Double)] = [
        ("30m", now - 1800), ("6h", now - 21_600), ("30d", now - 2_592_000), ("45s", now - 45),
        ("1h30m", now - 5400), ("2w", now - 1_209_600), ("0.5h", now - 1800),
        ("2026-12-07T13:00Z", now), ("2026-12-07T13:00:05Z", now + 5), ("2026-12-07 13:00", now),
        ("2026-12-07", now - 13 * 3600), ("2026-12-07T14:00+01:00", now), ("2026-12-07T12:30-00:30", now),
        ("2024-02-29", 1_709_164_800), ("1970-01-01", 0), (" 6h ", now - 21_600),
    ]

    @Test(arguments: valid)
    func parses(_ text: String, _ expected: Double) {
        #expect(HistoryTime.parse(text, now: Self.now) == expected)
    }

    @Test(arguments: [
        "", "6", "h", "6x", "-6h", "6h5", "2026-12-7", "2026-13-01", "2026-02-30", "2025-02-29", "2026-12-07T24:00Z",
        "2026-12-07T13:60Z", "2026-12-07T13:00Q", "2026-12-07X13:00", "2026-12-07T13:00+1", "2026-12-07T13",
        "yesterday", "1e3h",
    ])
    func rejects(_ text: String) {
        #expect(HistoryTime.parse(text, now: Self.now) == nil)
    }
}
