import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorOutput

/// The ladder diagram in the terminal: packet number, time, the originator's state column, the
/// arrow of the packet with its flags and relative numbers, the responder's state column.
///
/// A state is printed on the row of the packet that moved the endpoint into it; an empty cell
/// means "unchanged". Steps no packet caused (TIME_WAIT running out, an orphaned FIN_WAIT2
/// expiring) get rows of their own, marked as inferred.
enum LadderText {
    static let stateWidth = 12
    static let arrowWidth = 44

    static func write(_ ladder: Ladder, style: TerminalStyle, to out: inout OutputBuffer) {
        let connection = ladder.connection
        let origin = connection.firstTimestampNanoseconds
        writeHeader(ladder, style: style, to: &out)
        let left = "\(connection.originator)"
        let right = "\(connection.responder)"
        out.write(
            style.bold(
                pad("#", 7, right: true) + "  " + pad("time", 10, right: true) + "  "
                    + pad(left, stateWidth + 2 + arrowWidth)
                    + "  " + right
            ) + "\n"
        )
        let initial = ladder.initialStates
        out.write(
            String(repeating: " ", count: 21) + stateCell(initial.originator, style) + "  "
                + String(repeating: " ", count: arrowWidth) + "  "
                + (initial.responder.map { styled($0, $0.netstatName, style) } ?? "?")
                + "\n"
        )
        for row in ladder.rows {
            switch row {
            case .packet(let packet, let originatorState, let responderState):
                var line = pad("\(packet.number)", 7, right: true) + "  "
                line +=
                    pad(
                        CaptureText.seconds(nanoseconds: packet.timestampNanoseconds - origin, decimals: 6),
                        10,
                        right: true
                    ) + "  "
                line += stateCell(originatorState, style) + "  " + arrow(packet, style) + "  "
                if let responderState { line += styled(responderState, responderState.netstatName, style) }
                out.write(line + "\n")
            case .timer(let role, let transition):
                let time = pad(
                    CaptureText.seconds(nanoseconds: transition.timestampNanoseconds - origin, decimals: 6),
                    10,
                    right: true
                )
                let note = style.dim("(\(transition.event.label)\(transition.inferred ? ", inferred" : ""))")
                var line = String(repeating: " ", count: 9) + time + "  "
                if role == .originator {
                    line += stateCell(transition.to, style) + "  " + note
                } else {
                    line +=
                        String(repeating: " ", count: stateWidth) + "  " + pad("", arrowWidth) + "  "
                        + styled(transition.to, transition.to.netstatName, style) + "  " + note
                }
                out.write(line + "\n")
            case .gap(let packets):
                let text = "⋮ \(CaptureText.count(packets)) packet\(packets == 1 ? "" : "s") without a change of state"
                out.write(String(repeating: " ", count: 21 + stateWidth + 2) + style.dim(text) + "\n")
            }
            out.flushIfFull()
        }
    }

    private static func writeHeader(_ ladder: Ladder, style: TerminalStyle, to out: inout OutputBuffer) {
        let connection = ladder.connection
        var verdict = "ended \(connection.ended.rawValue)"
        if let closer = connection.activeCloser { verdict += ", active closer \(closer.rawValue)" }
        if connection.closeWait != nil { verdict += ", CLOSE_WAIT \(CaptureText.closeWait(connection))" }
        if let late = connection.lateFIN {
            verdict +=
                ", late FIN from the \(late.side.rawValue) \(CaptureText.duration(late.gapSeconds)) after "
                + "the peer entered \(late.forgottenIn.netstatName)"
        }
        out.write(
            style.bold("Connection \(ladder.index): \(connection.originator) -> \(connection.responder)") + ", "
                + verdict + "\n"
        )
        let zeek = connection.zeekConnState.map { "Zeek \($0.rawValue) \(connection.zeekHistory ?? ""), " } ?? ""
        out.write(
            "\(zeek)Wireshark completeness \(CaptureText.completeness(connection)); "
                + "\(CaptureText.count(connection.originatorStats.packets + connection.responderStats.packets)) packets.\n"
        )
        out.write(
            "Times in seconds after \(CaptureText.utc(nanoseconds: connection.firstTimestampNanoseconds)); "
                + "sequence numbers relative to each side's first.\n\n"
        )
    }

    private static func arrow(_ packet: Ladder.Packet, _ style: TerminalStyle) -> String {
        var label = packet.label
        if label.count > arrowWidth - 4 { label = String(label.prefix(arrowWidth - 4)) }
        let fill = String(repeating: "─", count: arrowWidth - label.count - 3)
        let text = packet.fromOriginator ? "─" + label + fill + "─▶" : "◀─" + fill + label + "─"
        if packet.flags.contains(.rst) { return style.red(text) }
        if packet.flags.contains(.fin) { return style.cyan(text) }
        if packet.flags.contains(.syn) { return style.green(text) }
        return text
    }

    private static func stateCell(_ state: TCPState?, _ style: TerminalStyle) -> String {
        guard let state else { return String(repeating: " ", count: stateWidth) }
        return styled(state, pad(state.netstatName, stateWidth), style)
    }

    /// CLOSE_WAIT stands out: it is what the diagram is usually drawn to find.
    private static func styled(_ state: TCPState, _ text: String, _ style: TerminalStyle) -> String {
        switch state {
        case .closeWait: style.yellow(style.bold(text))
        case .timeWait, .finWait2: style.dim(text)
        default: text
        }
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}

extension Ladder.Packet {
    /// `FIN,ACK 101 ack 201`, `PSH,ACK 1 ack 1 len 100`, `RST 0`.
    var label: String {
        var text = CaptureText.flags(flags) + " \(relativeSequence)"
        if flags.contains(.ack) { text += " ack \(relativeAcknowledgment)" }
        if payloadLength > 0 { text += " len \(payloadLength)" }
        return text
    }
}
