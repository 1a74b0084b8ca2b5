import Testing

@testable import TCPDoctorLinux

struct LinuxSmokeTests {
    @Test func moduleLoads() {
        #expect(Bool(true))
    }
}
