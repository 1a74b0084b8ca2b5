import Glibc
import TCPDoctorCore
import TCPDoctorTestSupport
import Testing

@testable import TCPDoctorLinux

struct RuntimeDetectorTests {
    @Test(
        arguments: [
            ("java", Runtime.jvm), ("python3.11", .cpython), ("python3", .cpython), ("node", .node),
            ("dotnet", .dotnet), ("ruby3.1", .ruby), ("nginx", nil), ("server", nil),
        ] as [(String, Runtime?)]
    )
    func executableNamesDecideTheCommonCases(name: String, runtime: Runtime?) {
        #expect(RuntimeDetector.runtime(executableName: name) == runtime)
    }

    @Test func wellKnownServers() {
        #expect(RuntimeDetector.server(command: "nginx", executable: "nginx", arguments: ["nginx: worker"]) == "nginx")
        #expect(
            RuntimeDetector.server(
                command: "java",
                executable: "java",
                arguments: ["java", "org.apache.catalina.startup.Bootstrap"]
            )
                == "tomcat"
        )
        #expect(RuntimeDetector.server(command: "app", executable: "app", arguments: ["./app"]) == nil)
    }

    @Test func thisTestProcessIsNative() throws {
        let identity = try #require(RuntimeDetector().identify(TCPProcess(pid: getpid(), command: "tests")))
        #expect(identity.runtime == .native)
        #expect(identity.evidence.hasPrefix("exe /"))
    }

    @Test func aPythonProcessIsCPython() throws {
        let child = try ChildProcess.python("import time; print('ready', flush=True); time.sleep(60)")
        _ = try child.readLine()
        let identity = try #require(RuntimeDetector().identify(TCPProcess(pid: child.pid, command: "python3")))
        #expect(identity.runtime == .cpython)
        #expect(identity.evidence.contains("python3"))
    }

    @Test func aVanishedProcessHasNoIdentity() {
        #expect(RuntimeDetector().identify(TCPProcess(pid: Int32.max - 1, command: "gone")) == nil)
    }

    @Test func elfSectionsOfARealBinary() throws {
        let names = try #require(ELFSections.names(ofFile: "/bin/ls"))
        #expect(names.contains(".text"))
        #expect(!names.contains(".go.buildinfo"))
        #expect(ELFSections.names(ofFile: "/etc/passwd") == nil, "not an ELF file")
    }

    @Test func elfParserRejectsTruncatedAndHostileHeaders() {
        var header = [UInt8](repeating: 0, count: 64)
        header[0...5] = [0x7f, 0x45, 0x4c, 0x46, 2, 1]
        // Section header table claims an absurd count: refused without reading.
        header[0x3a] = 64
        header[0x3c] = 0xff
        header[0x3d] = 0xff
        #expect(ELFSections.names(header: header) { _, _ in nil } == nil)
        #expect(ELFSections.names(header: Array(header.prefix(20))) { _, _ in [] } == nil)
    }
}
