import Testing

@testable import TCPDoctorCore

struct ThresholdsTests {
    @Test func theDeadSocketIdleTimeIsTypedAndOverridable() {
        var thresholds = Thresholds()
        #expect(thresholds.deadSocketMinimumIdle == .seconds(10))
        thresholds.set(.deadSocketFdsMinIdleSeconds, to: 0.25)
        #expect(thresholds.deadSocketMinimumIdle == .milliseconds(250))
        thresholds.set(.deadSocketFdsMinIdleSeconds, to: -3)
        #expect(thresholds.deadSocketMinimumIdle == .zero, "a negative idle time means none")
        thresholds.set(.deadSocketFdsMinIdleSeconds, to: .nan)
        #expect(thresholds.deadSocketMinimumIdle == .zero)
        thresholds.set(.deadSocketFdsMinIdleSeconds, to: 1e300)
        #expect(thresholds.deadSocketMinimumIdle == .milliseconds(Int64(UInt32.max)), "no overflow, no trap")
    }
}
