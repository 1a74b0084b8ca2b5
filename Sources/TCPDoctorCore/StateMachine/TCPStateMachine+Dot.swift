extension TCPStateMachine {
    /// The state machine as a Graphviz `dot` digraph, edges labelled `event / snd SEGMENT`.
    ///
    /// Self-loops are left out by default because they only add replies (RST from a closed port,
    /// re-sent ACKs) and crowd the picture; RFC-only edges are dashed and Linux timers are dotted.
    /// Colours follow `TCPTransition.Path` so the active and passive closes read as two lanes.
    /// - Parameter includeSelfLoops: Whether to draw transitions that do not change the state.
    /// - Returns: The whole `digraph` text, ending in a newline.
    public static func dot(includeSelfLoops: Bool = false) -> String {
        var lines = [
            "digraph tcp {",
            "    rankdir=TB;",
            "    node [shape=box, style=rounded, fontname=\"Helvetica\"];",
            "    edge [fontname=\"Helvetica\", fontsize=10];",
        ]
        for state in states {
            lines.append("    \(state.netstatName) [label=\"\(state.netstatName)\\n(\(state.rfcName))\"];")
        }
        for edge in transitions where includeSelfLoops || !edge.isSelfLoop {
            var attributes = ["label=\"\(escaped(edge.label))\"", "color=\"\(colour(edge.path))\""]
            if !edge.onLinux {
                attributes.append("style=dashed")
            } else if edge.path == .timeout {
                attributes.append("style=dotted")
            }
            lines.append(
                "    \(edge.from.netstatName) -> \(edge.to.netstatName) [\(attributes.joined(separator: ", "))];"
            )
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func colour(_ path: TCPTransition.Path) -> String {
        switch path {
        case .open: "black"
        case .simultaneousOpen: "gray40"
        case .activeClose: "blue"
        case .passiveClose: "darkgreen"
        case .simultaneousClose: "purple"
        case .reset: "red"
        case .timeout: "orange"
        case .reply: "gray60"
        }
    }

    private static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
