import TCPDoctorCore
import TCPDoctorOutput

/// Renders the state machine and the per-state knowledge for `explain`.
enum ExplainRenderer {
    /// The lanes of a connection's life, in the order people read them.
    static let lanes: [(TCPTransition.Path, String)] = [
        (.open, "Opening (three-way handshake)"),
        (.simultaneousOpen, "Simultaneous open"),
        (.activeClose, "Active close: this side sends FIN first"),
        (.passiveClose, "Passive close: the peer sends FIN first"),
        (.simultaneousClose, "Simultaneous close"),
        (.timeout, "Timers (Linux values)"),
        (.reset, "Resets"),
    ]

    /// Every transition of the model, lane by lane, with the segment each one sends.
    static func writeMachine(style: TerminalStyle, to out: inout OutputBuffer) {
        out.write(style.bold("The TCP state machine (RFC 9293), with Linux's state names") + "\n")
        out.write("Each line: STATE --event / segment sent--> NEW STATE. RFC-only edges are marked (not on Linux).\n")
        for (path, title) in lanes {
            let edges = TCPStateMachine.transitions.filter { $0.path == path && !$0.isSelfLoop }
            guard !edges.isEmpty else { continue }
            out.write("\n" + style.bold(title) + "\n")
            let width = edges.map(\.from.netstatName.count).max() ?? 0
            for edge in edges {
                let from = edge.from.netstatName.padding(to: width)
                var line = "  \(from) --\(edge.label)--> \(style.bold(edge.to.netstatName))"
                if !edge.note.isEmpty {
                    line += style.dim("  (\(edge.note))")
                } else if !edge.onLinux {
                    line += style.dim("  (not on Linux)")
                }
                out.write(line + "\n")
            }
        }
        out.write("\nStates: ")
        out.write(TCPState.displayed.map(\.netstatName).joined(separator: ", "))
        out.write(".\nRun `tcpdoctor explain STATE` for what a pile of one means, `--format dot` for a picture.\n")
    }

    /// One state: what it is, how it is entered and left, what a pile means, what to do.
    static func writeState(_ knowledge: StateKnowledge, style: TerminalStyle, to out: inout OutputBuffer) {
        let state = knowledge.state
        out.write(style.bold("\(state.netstatName) (RFC 9293 \(state.rfcName), kernel \(state.kernelName))") + "\n")
        out.write(knowledge.summary + "\n\n")
        section("How a socket gets here", knowledge.howEntered, style, &out)
        section("How it leaves", knowledge.howLeft, style, &out)
        let outgoing = TCPStateMachine.transitions(from: state).filter { !$0.isSelfLoop }
        let incoming = TCPStateMachine.transitions.filter { $0.to == state && !$0.isSelfLoop }
        if !incoming.isEmpty || !outgoing.isEmpty {
            out.write(style.bold("Transitions") + "\n")
            for edge in incoming { out.write("  \(edge.from.netstatName) --\(edge.label)--> \(state.netstatName)\n") }
            for edge in outgoing { out.write("  \(state.netstatName) --\(edge.label)--> \(edge.to.netstatName)\n") }
            out.write("\n")
        }
        section("What a pile of it means", knowledge.pileMeans, style, &out)
        out.write(style.bold("What to do") + "\n")
        for item in knowledge.whatToDo { out.write("  - \(item)\n") }
    }

    private static func section(_ title: String, _ text: String, _ style: TerminalStyle, _ out: inout OutputBuffer) {
        out.write(style.bold(title) + "\n")
        out.write(TextWrap.wrap(text, width: 96, indent: "  ") + "\n\n")
    }

    static func writeJSON(_ state: TCPState?, to json: inout JSONWriter) {
        json.beginObject()
        json.key("states")
        json.beginArray()
        for knowledge in StateKnowledge.all where state == nil || knowledge.state == state {
            json.beginObject()
            json.key("state")
            json.value(knowledge.state.netstatName)
            json.key("rfc_name")
            json.value(knowledge.state.rfcName)
            json.key("kernel_name")
            json.value(knowledge.state.kernelName)
            json.key("summary")
            json.value(knowledge.summary)
            json.key("entered")
            json.value(knowledge.howEntered)
            json.key("left")
            json.value(knowledge.howLeft)
            json.key("pile_means")
            json.value(knowledge.pileMeans)
            json.key("what_to_do")
            json.beginArray()
            for item in knowledge.whatToDo { json.value(item) }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.key("transitions")
        json.beginArray()
        for edge in TCPStateMachine.transitions where state == nil || edge.from == state || edge.to == state {
            json.beginObject()
            json.key("from")
            json.value(edge.from.netstatName)
            json.key("event")
            json.value(edge.event.identifier)
            json.key("to")
            json.value(edge.to.netstatName)
            json.key("sends")
            json.value(edge.sends?.label)
            json.key("path")
            json.value("\(edge.path)")
            json.key("linux")
            json.value(edge.onLinux)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.finish()
    }
}

extension String {
    /// Pads with spaces to `width` characters (never truncates).
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// Word wrapping for prose in the terminal.
enum TextWrap {
    static func wrap(_ text: String, width: Int, indent: String) -> String {
        // ASCII text, nearly all of it, is split and measured in bytes: splitting into Characters
        // (grapheme breaking) was most of the time `capture` took to print its findings.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return wrap(text.utf8.split(separator: UInt8(ascii: " ")), width: width, indent: indent) {
                ($0.count, Substring($0))
            }
        }
        return wrap(text.split(separator: " "), width: width, indent: indent) { ($0.count, $0) }
    }

    /// Lays `words` out in lines of at most `width` characters (a longer word alone on its line);
    /// `measure` gives a word's length in characters and its text.
    private static func wrap<Words: Sequence>(
        _ words: Words,
        width: Int,
        indent: String,
        measure: (Words.Element) -> (length: Int, text: Substring)
    ) -> String {
        var lines: [String] = []
        let indentLength = indent.count
        var line = indent
        // Characters in `line`, kept beside it: `String.count` walks the whole string each time,
        // which made wrapping quadratic in the line's length.
        var lineLength = indentLength
        for word in words {
            let (wordLength, wordText) = measure(word)
            if lineLength + wordLength + 1 > width && lineLength > indentLength {
                lines.append(line)
                line = indent
                lineLength = indentLength
            }
            if lineLength > indentLength {
                line += " "
                lineLength += 1
            }
            line += wordText
            lineLength += wordLength
        }
        if lineLength > indentLength { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}
