import Testing

@testable import TCPDoctorCommands

struct CommandsSmokeTests {
    @Test func moduleLoads() {
        #expect(Bool(true))
    }
}
