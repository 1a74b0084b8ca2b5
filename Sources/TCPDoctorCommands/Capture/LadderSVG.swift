import TCPDoctorCapture
import TCPDoctorCore

/// The ladder diagram as an SVG picture (`--svg FILE`), written as text without a library.
///
/// Two vertical lanes, one per endpoint, coloured by the state the endpoint is in; each packet an
/// arrow sloping down from its sender to its receiver, labelled with its flags and relative
/// numbers; each change of state named beside its lane. CLOSE_WAIT is orange, so that the side
/// that sat in it, and for how long in rows, shows at a glance.
enum LadderSVG {
    static let width = 960
    static let leftLane = 330
    static let rightLane = 730
    static let rowHeight = 26
    static let top = 96

    static func render(_ ladder: Ladder) -> String {
        let connection = ladder.connection
        let origin = connection.firstTimestampNanoseconds
        let height = top + (ladder.rows.count + 2) * rowHeight + 70
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="12">
            <defs>
            <marker id="head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="context-stroke"/></marker>
            </defs>
            <rect width="100%" height="100%" fill="white"/>

            """
        svg += text(
            x: 16,
            y: 22,
            escape("Connection \(ladder.index): \(connection.originator) → \(connection.responder)"),
            attributes: "font-size=\"15\" font-weight=\"bold\""
        )
        var verdict = "ended \(connection.ended.rawValue)"
        if let closer = connection.activeCloser { verdict += " · active closer \(closer.rawValue)" }
        if connection.closeWait != nil { verdict += " · CLOSE_WAIT \(CaptureText.closeWait(connection))" }
        if connection.lateFIN != nil { verdict += " · late FIN met RST" }
        svg += text(x: 16, y: 42, escape(verdict))
        svg += text(
            x: 16,
            y: 60,
            escape("times in s after \(CaptureText.utc(nanoseconds: origin))"),
            attributes: "fill=\"#666\""
        )
        svg += text(
            x: leftLane,
            y: top - 14,
            escape("\(connection.originator) (originator)"),
            attributes: "text-anchor=\"middle\" font-weight=\"bold\""
        )
        svg += text(
            x: rightLane,
            y: top - 14,
            escape("\(connection.responder) (responder)"),
            attributes: "text-anchor=\"middle\" font-weight=\"bold\""
        )

        // Lanes: one coloured bar per state period, drawn first so arrows lie on top.
        let initial = ladder.initialStates
        var current: [TCPState?] = [initial.originator, initial.responder]
        var since = [top, top]
        var labels = ""
        var arrows = ""
        if let state = initial.originator { labels += stateLabel(state, lane: 0, y: top + 4) }
        if let state = initial.responder { labels += stateLabel(state, lane: 1, y: top + 4) }
        var bars = ""
        func enter(_ state: TCPState, lane: Int, y: Int) {
            bars += bar(current[lane], lane: lane, from: since[lane], to: y)
            current[lane] = state
            since[lane] = y
            labels += stateLabel(state, lane: lane, y: y + 4)
        }
        for (index, row) in ladder.rows.enumerated() {
            let y = top + (index + 1) * rowHeight
            switch row {
            case .packet(let packet, let originatorState, let responderState):
                let time = CaptureText.seconds(nanoseconds: packet.timestampNanoseconds - origin, decimals: 6)
                arrows += text(x: 16, y: y + 4, "\(packet.number)", attributes: "fill=\"#888\"")
                arrows += text(x: 70, y: y + 4, time, attributes: "fill=\"#444\"")
                let (from, to) = packet.fromOriginator ? (leftLane, rightLane) : (rightLane, leftLane)
                let color =
                    packet.flags.contains(.rst)
                    ? "#c62828"
                    : packet.flags.contains(.fin)
                        ? "#1565c0"
                        : packet.flags.contains(.syn) ? "#2e7d32" : "#333"
                let inset = packet.fromOriginator ? 8 : -8
                arrows +=
                    "<line x1=\"\(from + inset)\" y1=\"\(y - 6)\" x2=\"\(to - inset)\" y2=\"\(y + 8)\" "
                    + "stroke=\"\(color)\" stroke-width=\"1.5\" marker-end=\"url(#head)\"/>\n"
                arrows += text(
                    x: (leftLane + rightLane) / 2,
                    y: y - 4,
                    escape(packet.label),
                    attributes: "text-anchor=\"middle\" fill=\"\(color)\" font-size=\"11\""
                )
                if let state = originatorState { enter(state, lane: 0, y: y) }
                if let state = responderState { enter(state, lane: 1, y: y) }
            case .timer(let role, let transition):
                let time = CaptureText.seconds(nanoseconds: transition.timestampNanoseconds - origin, decimals: 6)
                arrows += text(x: 70, y: y + 4, time, attributes: "fill=\"#444\"")
                let lane = role == .originator ? 0 : 1
                let note = "\(transition.event.label)\(transition.inferred ? " (inferred)" : "")"
                arrows += text(
                    x: (leftLane + rightLane) / 2,
                    y: y + 4,
                    escape(note),
                    attributes: "text-anchor=\"middle\" font-style=\"italic\" fill=\"#666\""
                )
                enter(transition.to, lane: lane, y: y)
            case .gap(let packets):
                arrows += text(
                    x: (leftLane + rightLane) / 2,
                    y: y + 4,
                    escape("⋮ \(CaptureText.count(packets)) packets without a change of state"),
                    attributes: "text-anchor=\"middle\" fill=\"#888\""
                )
            }
        }
        let bottom = top + (ladder.rows.count + 1) * rowHeight
        bars += bar(current[0], lane: 0, from: since[0], to: bottom)
        bars += bar(current[1], lane: 1, from: since[1], to: bottom)
        svg += bars + arrows + labels
        svg += legend(y: bottom + 36)
        svg += "</svg>\n"
        return svg
    }

    private static func bar(_ state: TCPState?, lane: Int, from: Int, to: Int) -> String {
        guard to > from else { return "" }
        let x = (lane == 0 ? leftLane : rightLane) - 4
        let fill = state.map(color) ?? "#eeeeee"
        return "<rect x=\"\(x)\" y=\"\(from)\" width=\"8\" height=\"\(to - from)\" fill=\"\(fill)\"/>\n"
    }

    private static func stateLabel(_ state: TCPState, lane: Int, y: Int) -> String {
        let x = lane == 0 ? leftLane - 12 : rightLane + 12
        let anchor = lane == 0 ? "end" : "start"
        let weight = state == .closeWait ? " font-weight=\"bold\"" : ""
        return text(
            x: x,
            y: y,
            state.netstatName,
            attributes: "text-anchor=\"\(anchor)\" fill=\"\(textColor(state))\"\(weight)"
        )
    }

    private static func legend(y: Int) -> String {
        var x = 16
        var svg = ""
        for state: TCPState in [.synSent, .established, .finWait1, .finWait2, .closeWait, .lastAck, .timeWait, .closed]
        {
            svg += "<rect x=\"\(x)\" y=\"\(y - 9)\" width=\"10\" height=\"10\" fill=\"\(color(state))\"/>\n"
            svg += text(x: x + 14, y: y, state.netstatName, attributes: "font-size=\"11\"")
            x += 24 + state.netstatName.count * 7 + 10
        }
        return svg
    }

    /// Lane colours: the handshake green, established blue-grey, the closing states of the active
    /// closer blues, CLOSE_WAIT and LAST_ACK of the passive closer oranges, closed grey.
    static func color(_ state: TCPState) -> String {
        switch state {
        case .listen, .synSent, .synReceived, .newSynReceived: "#81c784"
        case .established: "#90a4ae"
        case .finWait1: "#64b5f6"
        case .finWait2: "#1e88e5"
        case .closing: "#9575cd"
        case .timeWait: "#b0bec5"
        case .closeWait: "#fb8c00"
        case .lastAck: "#ffb74d"
        case .closed: "#e0e0e0"
        }
    }

    private static func textColor(_ state: TCPState) -> String { state == .closeWait ? "#e65100" : "#222" }

    private static func text(x: Int, y: Int, _ content: String, attributes: String = "") -> String {
        "<text x=\"\(x)\" y=\"\(y)\"\(attributes.isEmpty ? "" : " " + attributes)>\(content)</text>\n"
    }

    /// XML escapes for text content.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
