import TCPDoctorOutput
import Testing

@testable import TCPDoctorCommands

struct TextTableTests {
    static func text(_ table: TextTable, style: TerminalStyle) -> String {
        String(
            decoding: pipeOutput { fd in
                var out = OutputBuffer(fd: fd)
                table.write(to: &out, style: style)
            },
            as: UTF8.self
        )
    }

    @Test func cellsAreEscapedAndAlignedOnTheirEscapedForm() {
        var table = TextTable([.left("Process"), .right("Count")])
        table.append(["\u{1B}[2Jx", "1"])
        table.append(["plain", "22"])
        #expect(table.rows[0] == ["\\x1b[2Jx", "1"])
        #expect(
            Self.text(table, style: .plain) == """
                Process   Count
                \\x1b[2Jx      1
                plain        22

                """
        )
    }

    @Test func aBoldRowIsStyledAroundItsPaddedCells() {
        var table = TextTable([.left("State"), .right("Count")])
        table.append(["CLOSE_WAIT", "3"], bold: true)
        table.append(["LISTEN", "1"])
        let styled = Self.text(table, style: TerminalStyle(enabled: true))
        #expect(styled.contains("\u{1B}[1mCLOSE_WAIT      3\u{1B}[0m\n"))
        #expect(styled.contains("\nLISTEN          1\n"))
        #expect(Self.text(table, style: .plain).contains("\nCLOSE_WAIT      3\n"))
    }
}
