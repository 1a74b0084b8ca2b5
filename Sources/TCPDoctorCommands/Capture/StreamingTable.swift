import TCPDoctorOutput

/// A text table written while its rows arrive: column widths come from the first rows.
///
/// `TextTable` needs every row before it can align them; a capture can have millions of
/// connections, which `--connections` lists as the analyzer hands them out. The first
/// `sampleRows` rows are held to size the columns, then every row is written at once; a later cell
/// wider than its column pushes the rest of its row to the right instead of holding output back.
struct StreamingTable {
    static let sampleRows = 1000

    let columns: [TextTable.Column]
    private var widths: [Int]
    private var pending: [[String]] = []
    private var headerWritten = false

    init(_ columns: [TextTable.Column]) {
        self.columns = columns
        self.widths = columns.map { TextTable.width($0.title) }
    }

    mutating func append(_ row: [String], to out: inout OutputBuffer, style: TerminalStyle) {
        if headerWritten {
            TextTable.write(row, columns: columns, widths: widths, to: &out)
            out.flushIfFull()
            return
        }
        TextTable.widen(&widths, toFit: row)
        pending.append(row)
        if pending.count >= Self.sampleRows { flushPending(to: &out, style: style) }
    }

    /// Writes the header and the held rows (call once at the end; later rows go straight out).
    mutating func finish(to out: inout OutputBuffer, style: TerminalStyle) {
        flushPending(to: &out, style: style)
    }

    private mutating func flushPending(to out: inout OutputBuffer, style: TerminalStyle) {
        guard !headerWritten else { return }
        headerWritten = true
        out.write(style.bold(TextTable.render(columns.map(\.title), columns: columns, widths: widths)))
        out.write(byte: 10)
        for row in pending {
            TextTable.write(row, columns: columns, widths: widths, to: &out)
            out.flushIfFull()
        }
        pending = []
    }
}
