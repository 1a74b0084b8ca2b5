import TCPDoctorCore
import TCPDoctorOutput

/// A plain-text table with aligned columns, written straight to an `OutputBuffer`.
///
/// Every cell is escaped (`TextEscaping`) as it is appended: cells carry process names, command
/// lines and namespace names that anyone can choose, and the table is where they reach the
/// terminal. Styling is therefore never part of a cell; a row is drawn in bold with `bold:`.
struct TextTable {
    enum Alignment {
        case left
        case right
    }

    struct Column {
        var title: String
        var alignment: Alignment

        static func left(_ title: String) -> Column { Column(title: title, alignment: .left) }
        static func right(_ title: String) -> Column { Column(title: title, alignment: .right) }
    }

    var columns: [Column]
    private(set) var rows: [[String]] = []
    /// Indices of the rows drawn in bold.
    private var boldRows: Set<Int> = []
    private var widths: [Int]

    init(_ columns: [Column]) {
        self.columns = columns
        self.widths = columns.map { Self.width($0.title) }
    }

    /// Adds a row, its cells escaped for the terminal; `bold` draws it in bold where style allows.
    mutating func append(_ row: [String], bold: Bool = false) {
        // Nearly every row is safe as it is; only the others are copied.
        let row = row.allSatisfy(TextEscaping.isSafe) ? row : row.map(TextEscaping.escaped)
        Self.widen(&widths, toFit: row)
        if bold { boldRows.insert(rows.count) }
        rows.append(row)
    }

    /// Writes the header (in bold when `style` allows) and every row; the last column is not padded.
    func write(to out: inout OutputBuffer, style: TerminalStyle) {
        let header = render(columns.map(\.title))
        out.write(style.bold(header))
        out.write(byte: 10)
        for (index, row) in rows.enumerated() {
            if boldRows.contains(index) {
                out.write(style.bold(render(row)))
                out.write(byte: 10)
            } else {
                Self.write(row, columns: columns, widths: widths, to: &out)
            }
            out.flushIfFull()
        }
    }

    private func render(_ row: [String]) -> String { Self.render(row, columns: columns, widths: widths) }

    /// The columns a cell takes on a terminal: its bytes when ASCII (nearly every cell: counting
    /// bytes is what keeps a 200,000-row table cheap), its characters otherwise.
    static func width(_ cell: String) -> Int {
        let utf8 = cell.utf8
        let ascii = utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } }
        if ascii == true { return utf8.count }
        return cell.count
    }

    /// Grows `widths` to fit the cells of `row`.
    static func widen(_ widths: inout [Int], toFit row: [String]) {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], width(cell))
        }
    }

    /// Writes one line and its newline, as `render` lays it out, without building it first.
    static func write(_ row: [String], columns: [Column], widths: [Int], to out: inout OutputBuffer) {
        for (index, cell) in row.enumerated() where index < columns.count {
            let isLast = index == columns.count - 1
            let padding = isLast && columns[index].alignment == .left ? 0 : max(0, widths[index] - width(cell))
            if columns[index].alignment == .right { out.write(spaces: padding) }
            out.write(cell)
            if columns[index].alignment == .left { out.write(spaces: padding) }
            if !isLast { out.write(spaces: 2) }
        }
        out.write(byte: 10)
    }

    /// One line: cells padded to `widths` and aligned per column, two spaces apart; the last
    /// column is not padded.
    static func render(_ row: [String], columns: [Column], widths: [Int]) -> String {
        var line = ""
        for (index, cell) in row.enumerated() where index < columns.count {
            let isLast = index == columns.count - 1
            let padding = String(repeating: " ", count: max(0, widths[index] - width(cell)))
            switch columns[index].alignment {
            case .left: line += isLast ? cell : cell + padding
            case .right: line += padding + cell
            }
            if !isLast { line += "  " }
        }
        return line
    }
}
