import TCPDoctorCore

/// `history --svg FILE`: the charts as one self-contained SVG picture, written as text.
///
/// One panel per group that changed: a polyline per state and per segment of its series (a
/// clock jump or a gap ends a polyline, so it never draws as a slope), axes from 0 to the
/// panel's largest count, UTC times under the time axis, and a legend with each state's trend.
enum HistorySVG {
    static let width = 960
    static let panelHeight = 230
    static let plotLeft = 70
    static let plotRight = 700
    static let plotTop = 40
    static let plotHeight = 150
    static let ticks = 4

    static func render(_ report: HistoryReport) -> String {
        let height = 50 + max(report.groups.count, 1) * panelHeight
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>

            """
        let title =
            "tcpdoctor history, \(TrendText.utc(report.since, relativeTo: report.until)) to "
            + "\(TrendText.utc(report.until, relativeTo: report.until)); \(report.skippedFlat) unchanged groups not shown"
        svg += text(x: 16, y: 24, escape(title), attributes: "font-size=\"15\" font-weight=\"bold\"")
        if report.groups.isEmpty {
            svg += text(x: 16, y: 60, "Nothing changed in this range.")
        }
        for (index, group) in report.groups.enumerated() {
            svg += panel(group, top: 40 + index * panelHeight, reference: report.until)
        }
        return svg + "</svg>\n"
    }

    private static func panel(_ group: HistoryReport.GroupReport, top: Int, reference: Double) -> String {
        var svg = text(x: 16, y: top + 20, escape(group.group.heading), attributes: "font-weight=\"bold\"")
        let points = group.states.flatMap(\.series.points)
        let times = points.map(\.time)
        guard let first = times.min(), let last = times.max() else { return svg }
        let span = max(last - first, 1)
        let peak = max(points.map(\.value).max() ?? 1, 1)
        let bottom = top + plotTop + plotHeight
        let plotWidth = Double(plotRight - plotLeft)
        func x(_ time: Double) -> String { format(Double(plotLeft) + (time - first) / span * plotWidth) }
        func y(_ value: Double) -> String { format(Double(bottom) - value / peak * Double(plotHeight)) }
        // Axes, with the count's range on the left and UTC times below.
        svg += "<path d=\"M \(plotLeft) \(top + plotTop) V \(bottom) H \(plotRight)\" stroke=\"#444\" fill=\"none\"/>\n"
        svg += text(x: plotLeft - 8, y: bottom + 4, "0", attributes: "text-anchor=\"end\"")
        svg += text(x: plotLeft - 8, y: top + plotTop + 4, label(peak), attributes: "text-anchor=\"end\"")
        for tick in 0...ticks {
            let time = first + span * Double(tick) / Double(ticks)
            let anchor = tick == 0 ? "start" : tick == ticks ? "end" : "middle"
            svg += "<line x1=\"\(x(time))\" y1=\"\(bottom)\" x2=\"\(x(time))\" y2=\"\(bottom + 4)\" stroke=\"#444\"/>\n"
            svg += text(
                x: Int(Double(plotLeft) + Double(tick) / Double(ticks) * plotWidth),
                y: bottom + 18,
                escape(TrendText.utc(time, relativeTo: reference)),
                attributes: "text-anchor=\"\(anchor)\" fill=\"#444\""
            )
        }
        for (index, state) in group.states.enumerated() {
            let colour = colour(state.state)
            for segment in state.series.segments where !segment.isEmpty {
                let coordinates = segment.map { "\(x($0.time)),\(y($0.value))" }.joined(separator: " ")
                svg += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\">"
                svg += "<title>\(state.state.netstatName)</title></polyline>\n"
            }
            let legendY = top + plotTop + 8 + index * 36
            svg +=
                "<rect x=\"\(plotRight + 20)\" y=\"\(legendY - 9)\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>\n"
            let rate = state.ratePerMinute.map { ", \(TrendText.signedRate($0))/min" } ?? ""
            svg += text(
                x: plotRight + 38,
                y: legendY,
                "\(state.state.netstatName): \(state.kind.rawValue)\(rate)",
                attributes: "font-weight=\"bold\""
            )
            let forecast = state.forecast.map { "fd soft limit in about \(TrendText.duration($0.etaSeconds))" }
            svg += text(
                x: plotRight + 38,
                y: legendY + 15,
                escape(forecast ?? "no forecast: " + (state.noForecastReason?.phrase ?? "none")),
                attributes: "font-size=\"10\" fill=\"#444\""
            )
        }
        return svg
    }

    private static func colour(_ state: TCPState) -> String {
        switch state {
        case .closeWait: "#e67e00"
        case .established: "#2a7ab0"
        case .timeWait: "#7f7f7f"
        case .listen: "#2e9e44"
        case .synSent, .synReceived, .newSynReceived: "#8e44ad"
        case .finWait1, .finWait2: "#c0392b"
        case .lastAck, .closing, .closed: "#6d4c41"
        }
    }

    private static func label(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : TrendText.decimal(value, places: 1)
    }

    private static func format(_ value: Double) -> String { TrendText.decimal(value, places: 1) }

    private static func text(x: Int, y: Int, _ content: String, attributes: String = "") -> String {
        "<text x=\"\(x)\" y=\"\(y)\"\(attributes.isEmpty ? "" : " " + attributes)>\(content)</text>\n"
    }

    /// Text for XML: the five markup characters as entities, and control characters (which XML
    /// 1.0 forbids, and which a process name may hold) as U+FFFD.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            {
                result.append("\u{FFFD}")
                continue
            }
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
