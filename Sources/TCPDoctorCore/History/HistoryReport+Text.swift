extension HistoryReport.Group {
    /// "pid 4121 leaky-server, netns 4026531840, port 8000", or "no process, ..." for sockets
    /// nobody holds.
    public var heading: String {
        let owner = pid.map { "pid \($0) \(TextEscaping.escaped(command ?? "?"))" } ?? "no process"
        return "\(owner), netns \(netns), \(placeKind) \(TextEscaping.escaped(place))"
    }
}

extension HistoryReport.NoForecastReason {
    /// The reason as a phrase: "the fd count is not growing".
    public var phrase: String {
        switch self {
        case .tooFewSamples: "too few samples in the window"
        case .notGrowing: "not growing"
        case .holdsNoFDs: "these sockets hold no file descriptor"
        case .noLimit: "the process' fd soft limit is not known"
        case .limitReached: "the process has reached its fd soft limit"
        case .fdsNotGrowing: "the process' fd count is not growing"
        case .poorFit: "the fd count's linear fit is poor"
        }
    }
}

extension HistoryReport.StateReport {
    /// What the state does, in one sentence.
    ///
    /// "growing at +38 CLOSE_WAIT/min (linear fit over the last 45 min, r² 0.98) since 13:07 UTC;
    /// pid 4121 reaches its fd soft limit 20000 in about 41 min (14:52 UTC)"; "steady at 40
    /// CLOSE_WAIT: +0.00 CLOSE_WAIT/min (...); no forecast: not growing"; "draining at -3.0 CLOSE_WAIT/min (...)".
    ///
    /// - Parameters:
    ///   - pid: The group's process, named in the forecast.
    ///   - unicode: Whether "r²" may be written as such.
    public func sentence(pid: Int32?, unicode: Bool = true) -> String {
        let unit = state.netstatName
        guard let fit = trend.fit, let latest = trend.latest else {
            return "too few samples for a trend (\(trend.samples) in the window, "
                + "\(trend.options.minimumSamples) needed)"
        }
        let rate = TrendText.rate(fit, unit: unit, unicode: unicode)
        var text: String
        switch kind {
        case .growing:
            text = "growing at \(rate)"
            if let firstSeen { text += " since \(TrendText.utc(firstSeen, relativeTo: latest.time))" }
        case .steady:
            text = "steady at \(Int64(latest.value)) \(unit): \(rate)"
        case .draining:
            text = "draining at \(rate)"
        case .tooFewSamples:
            text = "too few samples for a trend"
        }
        if let forecast {
            let subject = pid.map { "pid \($0)" } ?? "the process"
            text +=
                "; \(subject) reaches its fd soft limit \(Int64(forecast.limit.rounded())) "
                + "in about \(TrendText.duration(forecast.etaSeconds)) "
                + "(\(TrendText.utc(forecast.at, relativeTo: latest.time))"
            if let fdFit = fdTrend?.fit {
                text +=
                    "; fds \(TrendText.signedRate(fdFit.ratePerMinute))/min, \(TrendText.r2(fdFit.r2, unicode: unicode))"
            }
            text += ")"
        } else if let noForecastReason {
            text += "; no forecast: \(noForecastReason.phrase)"
        }
        return text
    }
}
