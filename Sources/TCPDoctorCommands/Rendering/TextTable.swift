/// A plain-text table with aligned columns, written straight to an `OutputBuffer`.
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
    private var widths: [Int]

    init(_ columns: [Column]) {
        self.columns = columns
        self.widths = columns.map(\.title.count)
    }

    mutating func append(_ row: [String]) {
        for (index, cell) in row.enumerated() where index < widths.count {
            widths[index] = max(widths[index], cell.count)
        }
        rows.append(row)
    }

    /// Writes the header (in bold when `style` allows) and every row; the last column is not padded.
    func write(to out: inout OutputBuffer, style: TerminalStyle) {
        let header = render(columns.map(\.title))
        out.write(style.bold(header))
        out.write(byte: 10)
        for row in rows {
            out.write(render(row))
            out.write(byte: 10)
            out.flushIfFull()
        }
    }

    private func render(_ row: [String]) -> String { Self.render(row, columns: columns, widths: widths) }

    /// One line: cells padded to `widths` and aligned per column, two spaces apart; the last
    /// column is not padded.
    static func render(_ row: [String], columns: [Column], widths: [Int]) -> String {
        var line = ""
        for (index, cell) in row.enumerated() where index < columns.count {
            let isLast = index == columns.count - 1
            let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
            switch columns[index].alignment {
            case .left: line += isLast ? cell : cell + padding
            case .right: line += padding + cell
            }
            if !isLast { line += "  " }
        }
        return line
    }
}
