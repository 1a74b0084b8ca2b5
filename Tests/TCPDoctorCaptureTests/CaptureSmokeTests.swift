import Testing

@testable import TCPDoctorCapture

struct CaptureSmokeTests {
    @Test func moduleLoads() {
        #expect(Bool(true))
    }
}
