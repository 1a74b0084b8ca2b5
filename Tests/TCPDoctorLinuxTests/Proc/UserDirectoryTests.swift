import Testing

@testable import TCPDoctorLinux

struct UserDirectoryTests {
    @Test func parsesThePasswdFixtureAndSkipsBadLines() throws {
        let users = UserDirectory(passwd: try ProcTestSupport.fixture("passwd"))
        #expect(users.name(of: 0) == "root")
        #expect(users.name(of: 1) == "daemon")
        #expect(users.name(of: 65_534) == "nobody")
        #expect(users.name(of: 1000) == "last")
        #expect(users.name(of: 4242) == nil)
        #expect(users.skippedLines == [4, 5, 7, 8, 10])
    }

    @Test func loadsThisHostsPasswd() throws {
        let users = try UserDirectory.load()
        #expect(users.name(of: 0) == "root")
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: LinuxError.self) { try UserDirectory.load(path: "/nonexistent/passwd") }
    }
}
