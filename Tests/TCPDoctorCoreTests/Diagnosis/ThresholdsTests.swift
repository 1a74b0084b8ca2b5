import Testing

@testable import TCPDoctorCore

struct ThresholdsTests {
    @Test func theDeadSocketIdleTimeIsTypedAndOverridable() {
        var thresholds = Thresholds()
        #expect(thresholds.deadSocketMinimumIdle == .seconds(10))
        let known = thresholds.set("dead-socket-fds.min-idle-seconds", to: 0.25)
        #expect(known)
        #expect(thresholds.deadSocketMinimumIdle == .milliseconds(250))
        thresholds.set("dead-socket-fds.min-idle-seconds", to: -3)
        #expect(thresholds.deadSocketMinimumIdle == .zero, "a negative idle time means none")
        thresholds.set("dead-socket-fds.min-idle-seconds", to: .nan)
        #expect(thresholds.deadSocketMinimumIdle == .zero)
        thresholds.set("dead-socket-fds.min-idle-seconds", to: 1e300)
        #expect(thresholds.deadSocketMinimumIdle == .milliseconds(Int64(UInt32.max)), "no overflow, no trap")
    }
}
