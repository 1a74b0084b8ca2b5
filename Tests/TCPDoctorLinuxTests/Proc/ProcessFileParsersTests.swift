import Testing

@testable import TCPDoctorLinux

struct ProcessFileParsersTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func recordedStatusGivesRealUidAndParent() throws {
        let status = try ProcTestSupport.fixture("self-status")
        let parsed = try status.withUnsafeBytes { try ProcessFileParsers.parseStatus($0, file: "status") }
        #expect(parsed.uid == 0)
        #expect(parsed.parentPID == 28_156)
    }

    @Test func statusTakesTheRealUidNotTheEffectiveOne() throws {
        let status = "Name:\tx\nPPid:\t7\nUid:\t1000\t0\t0\t0\nGid:\t5\t5\t5\t5\n"
        let parsed = try bytes(status).withUnsafeBytes { try ProcessFileParsers.parseStatus($0, file: "status") }
        #expect(parsed.uid == 1000)
        #expect(parsed.parentPID == 7)
    }

    @Test(arguments: [
        ("Name:\tx\nPPid:\t7\n", "/proc/9/status: no Uid line"),
        ("Uid:\t0\t0\t0\t0\n", "/proc/9/status: no PPid line"),
        ("PPid:\t7\nUid:\tabc\n", "/proc/9/status line 2: expected a number after Uid:: \"Uid:\tabc\""),
        ("PPid:\t7\nUid:\n", "/proc/9/status line 2: expected a number after Uid:: \"Uid:\""),
        ("PPid:\t4294967296\nUid:\t0\n", "/proc/9/status line 1: pid out of range: \"PPid:\t4294967296\""),
        ("PPid:\t1\nUid:\t4294967296\n", "/proc/9/status line 2: uid out of range: \"Uid:\t4294967296\""),
    ])
    func malformedStatus(_ text: String, _ message: String) {
        let error = #expect(throws: LinuxError.self) {
            try Array(text.utf8).withUnsafeBytes { try ProcessFileParsers.parseStatus($0, file: "/proc/9/status") }
        }
        #expect(error?.code == .malformedProcData)
        #expect(error?.message == message)
    }

    @Test func recordedLimitsGiveTheOpenFilesLine() throws {
        let limits = try ProcTestSupport.fixture("self-limits")
        let parsed = try limits.withUnsafeBytes { try ProcessFileParsers.parseOpenFilesLimit($0, file: "limits") }
        #expect(parsed.soft == 20_000)
        #expect(parsed.hard == 20_000)
    }

    @Test(arguments: [
        (
            "Max open files            unlimited            unlimited            files     \n", nil as UInt64?,
            nil as UInt64?
        ),
        ("Max open files            1024                 unlimited            files\n", 1024, nil),
        ("Max open files            1024                 1048576              files", 1024, 1_048_576),
    ])
    func openFilesLimits(_ text: String, _ soft: UInt64?, _ hard: UInt64?) throws {
        let parsed = try bytes(text).withUnsafeBytes { try ProcessFileParsers.parseOpenFilesLimit($0, file: "l") }
        #expect(parsed.soft == soft)
        #expect(parsed.hard == hard)
    }

    @Test(arguments: [
        ("Max processes  10  10  processes\n", "/proc/9/limits: no \"Max open files\" line"),
        ("Max open files  1024\n", "/proc/9/limits line 1: expected soft and hard limits: \"Max open files  1024\""),
        (
            "Max open files  lots  1024 files\n",
            "/proc/9/limits line 1: limit is neither a number nor \"unlimited\": \"Max open files  lots  1024 files\""
        ),
    ])
    func malformedLimits(_ text: String, _ message: String) {
        let error = #expect(throws: LinuxError.self) {
            try Array(text.utf8).withUnsafeBytes {
                try ProcessFileParsers.parseOpenFilesLimit($0, file: "/proc/9/limits")
            }
        }
        #expect(error?.message == message)
    }

    @Test func commandAndArguments() throws {
        let comm = try ProcTestSupport.fixture("self-comm")
        #expect(comm.withUnsafeBytes { ProcessFileParsers.parseCommand($0) } == "python3")
        let cmdline = try ProcTestSupport.fixture("self-cmdline")
        #expect(
            cmdline.withUnsafeBytes { ProcessFileParsers.parseArguments($0) }
                == ["/root/.pyenv/versions/3.11.7/bin/python3", "mkfix.py"]
        )
    }

    @Test(
        arguments: [
            ("", []), ("\0", []), ("nginx: worker process\0\0\0", ["nginx: worker process"]),
            ("a\0b\0\0c\0", ["a", "b", "", "c"]), ("  x y ", ["  x y "]),
            ("./server\0two words\0\u{1B}[2J\0", ["./server", "two words", "\u{1B}[2J"]),
            ("no-terminator", ["no-terminator"]), ("\0\0x\0", ["", "", "x"]),
        ] as [(String, [String])]
    )
    func arguments(_ raw: String, _ expected: [String]) {
        #expect(Array(raw.utf8).withUnsafeBytes { ProcessFileParsers.parseArguments($0) } == expected)
    }

    @Test(arguments: [
        ("server\n", "server"), ("server", "server"), ("two\nlines\n", "two\nlines"), ("nl\n\n", "nl\n"),
        ("\u{1B}]0;x\u{7}\n", "\u{1B}]0;x\u{7}"), ("", ""),
    ])
    func commandNames(_ raw: String, _ expected: String) {
        #expect(Array(raw.utf8).withUnsafeBytes { ProcessFileParsers.parseCommand($0) } == expected)
    }

    @Test(arguments: [
        ("1 (init) S 0 1 1 0 -1 4194560 0 0", UInt8(ascii: "S"), 4_194_560 as UInt64, false),
        ("5 (a) b) c) R 1 1 1 0 -1 4194308 0", UInt8(ascii: "R"), 4_194_308, true),
        ("7 (zombie) Z 1 7 7 0 -1 4227148 0", UInt8(ascii: "Z"), 4_227_148, true),
    ])
    func statExcerpts(_ text: String, _ state: UInt8, _ flags: UInt64, _ exiting: Bool) throws {
        let parsed = try #require(Array(text.utf8).withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) })
        #expect(parsed.state == state)
        #expect(parsed.flags == flags)
        #expect(parsed.isExiting == exiting)
    }

    @Test func kernelThreadsAreRecognised() throws {
        // kthreadd on this machine: flags 0x208040 include PF_KTHREAD (0x200000).
        let kthread = try #require(
            Array("2 (kthreadd) S 0 0 0 0 -1 2129984 0".utf8).withUnsafeBytes {
                ProcessFileParsers.parseStatExcerpt($0)
            }
        )
        #expect(kthread.isKernelThread)
        let stat = try ProcTestSupport.fixture("self-stat")
        #expect(try #require(stat.withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) }).isKernelThread == false)
    }

    @Test func recordedStatIsRunningAndNotExiting() throws {
        let stat = try ProcTestSupport.fixture("self-stat")
        let parsed = try #require(stat.withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) })
        #expect(parsed.state == UInt8(ascii: "R"))
        #expect(!parsed.isExiting)
    }

    @Test(arguments: ["", "1 (x", "1 (x) S 1 2", "1 (x) SS 1 2 3 4 5 6"])
    func truncatedStatIsNil(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBytes { ProcessFileParsers.parseStatExcerpt($0) } == nil)
    }
}
