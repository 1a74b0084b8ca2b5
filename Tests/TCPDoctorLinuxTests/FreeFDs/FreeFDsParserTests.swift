import Testing

@testable import TCPDoctorLinux

/// The /proc texts free-fds reads, parsed without a kernel: status fields, fdinfo flags, and the
/// executable mappings searched for a syscall instruction.
struct FreeFDsParserTests {
    @Test func statusFieldsAreTrimmedAndKeyed() {
        let fields = ProcStatusFields.parse(
            "Name:\tpython3\nState:\tS (sleeping)\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nSeccomp:\t2\n"
        )
        #expect(fields["Name"] == "python3")
        #expect(fields["State"] == "S (sleeping)")
        #expect(fields["TracerPid"] == "0")
        #expect(fields["Seccomp"] == "2")
        #expect(fields["Uid"] == "0\t0\t0\t0")
    }

    @Test(arguments: [
        ("pos:\t0\nflags:\t02000002\nmnt_id:\t10\n", true),
        ("pos:\t0\nflags:\t02100002\n", true),
        ("pos:\t0\nflags:\t0100002\n", false),
        ("pos:\t0\n", false),
        ("flags:\tnot-octal\n", false),
    ])
    func fdinfoFlagsTellCloseOnExec(text: String, expected: Bool) {
        #expect(FDInfo.isCloseOnExec(text) == expected)
    }

    @Test func onlyReadableExecutableMappingsAreSearched() {
        let maps = """
            55d0c0a00000-55d0c0a28000 r--p 00000000 00:1f 123  /usr/bin/python3.11
            55d0c0a28000-55d0c0d0c000 r-xp 00028000 00:1f 123  /usr/bin/python3.11
            7f0000000000-7f0000021000 rw-p 00000000 00:00 0
            7ffd1c5f0000-7ffd1c5f2000 r-xp 00000000 00:00 0                          [vdso]
            ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
            bad line
            """
        #expect(
            SyscallInstructionFinder.executableMappings(maps) == [
                .init(start: 0x55d0_c0a2_8000, end: 0x55d0_c0d0_c000, name: "/usr/bin/python3.11"),
                .init(start: 0x7ffd_1c5f_0000, end: 0x7ffd_1c5f_2000, name: "[vdso]"),
            ]
        )
    }

    @Test(arguments: [
        ([0x48, 0x89, 0x0f, 0x05, 0xc3] as [UInt8], [0x0f, 0x05] as [UInt8], 2 as Int?),
        ([0x0f], [0x0f, 0x05], nil),
        ([0x00, 0x01, 0x00, 0x00, 0xd4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0xd4], [0x01, 0x00, 0x00, 0xd4], 8),
    ])
    func theInstructionIsFoundAtItsAlignment(bytes: [UInt8], pattern: [UInt8], expected: Int?) {
        #expect(SyscallInstructionFinder.search(bytes, for: pattern) == expected)
    }
}
