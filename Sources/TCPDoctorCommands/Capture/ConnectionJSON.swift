import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorOutput

/// One connection of `tcpdoctor capture --json` (docs/json.md): identity, times, counts, verdicts,
/// compatibility columns and both endpoints' timelines.
///
/// Written with the streaming `JSONWriter` straight from the `Connection` value, one at a time as
/// the analyzer hands them out: a capture of millions of connections is never held in memory.
enum ConnectionJSON {
    static func write(_ connection: Connection, index: Int, to json: inout JSONWriter) {
        json.beginObject()
        json.key("index")
        json.value(index)
        json.key("originator")
        json.value(endpoint: connection.originator)
        json.key("responder")
        json.value(endpoint: connection.responder)
        json.key("originator_basis")
        json.value(connection.originatorBasis.rawValue)
        json.key("started_mid_stream")
        json.value(connection.startedMidStream)
        json.key("tunnel")
        json.value(connection.tunnel?.description)
        json.key("start")
        json.value(secondsFromNanoseconds: connection.firstTimestampNanoseconds)
        json.key("end")
        json.value(secondsFromNanoseconds: connection.lastTimestampNanoseconds)
        json.key("duration")
        json.value(secondsFromNanoseconds: connection.lastTimestampNanoseconds - connection.firstTimestampNanoseconds)
        json.key("first_packet")
        json.value(connection.firstPacketNumber)
        json.key("last_packet")
        json.value(connection.lastPacketNumber)
        json.key("packets")
        perSide(connection.originatorStats.packets, connection.responderStats.packets, &json)
        json.key("bytes")
        perSide(connection.originatorStats.bytes, connection.responderStats.bytes, &json)
        json.key("syn_retransmissions")
        perSide(connection.originatorStats.synRetransmissions, connection.responderStats.synRetransmissions, &json)
        json.key("fin_retransmissions")
        perSide(connection.originatorStats.finRetransmissions, connection.responderStats.finRetransmissions, &json)
        json.key("ended")
        json.value(connection.ended.rawValue)
        json.key("active_closer")
        json.value(connection.activeCloser?.rawValue)
        json.key("close_wait")
        closeWait(connection.closeWait, &json)
        json.key("half_close")
        halfClose(connection.halfClose, &json)
        json.key("reset")
        reset(connection.reset, &json)
        json.key("late_fin")
        lateFIN(connection.lateFIN, &json)
        json.key("conn_state")
        json.value(connection.zeekConnState?.rawValue)
        json.key("history")
        json.value(connection.zeekHistory)
        json.key("zeek_originator")
        json.value(connection.zeekConnState == nil ? nil : connection.zeekRolesSwapped ? "responder" : "originator")
        json.key("completeness")
        json.value(connection.completeness.rawValue)
        json.key("completeness_letters")
        json.value(connection.completeness.letters)
        json.key("timeline")
        json.beginObject()
        json.key("originator")
        timeline(connection.originatorTimeline, &json)
        json.key("responder")
        timeline(connection.responderTimeline, &json)
        json.endObject()
        json.endObject()
    }

    private static func perSide<T: BinaryInteger>(_ originator: T, _ responder: T, _ json: inout JSONWriter) {
        json.beginObject()
        json.key("originator")
        json.value(originator)
        json.key("responder")
        json.value(responder)
        json.endObject()
    }

    private static func closeWait(_ wait: Connection.CloseWait?, _ json: inout JSONWriter) {
        guard let wait else { return json.null() }
        json.beginObject()
        json.key("side")
        json.value(wait.side.rawValue)
        json.key("seconds")
        json.value(secondsFromNanoseconds: wait.endNanoseconds - wait.startNanoseconds)
        json.key("open_at_end")
        json.value(wait.openAtEnd)
        json.key("start")
        json.value(secondsFromNanoseconds: wait.startNanoseconds)
        json.key("end")
        json.value(secondsFromNanoseconds: wait.endNanoseconds)
        json.key("ended_by")
        json.value(wait.endedBy.rawValue)
        json.endObject()
    }

    private static func halfClose(_ half: Connection.HalfClose?, _ json: inout JSONWriter) {
        guard let half else { return json.null() }
        json.beginObject()
        json.key("side")
        json.value(half.side.rawValue)
        json.key("bytes")
        json.value(half.bytes)
        json.key("seconds")
        json.value(half.seconds)
        json.endObject()
    }

    private static func reset(_ reset: Connection.Reset?, _ json: inout JSONWriter) {
        guard let reset else { return json.null() }
        json.beginObject()
        json.key("side")
        json.value(reset.side.rawValue)
        json.key("sender_state")
        json.value(reset.senderState.netstatName)
        json.key("receiver_state")
        json.value(reset.receiverState.netstatName)
        json.key("answered")
        json.value(reset.answered?.identifier)
        json.key("abort")
        json.value(reset.isAbort)
        json.key("after_both_fins")
        json.value(reset.afterBothFINs)
        json.key("time")
        json.value(secondsFromNanoseconds: reset.timestampNanoseconds)
        json.key("packet")
        json.value(reset.packetNumber)
        json.endObject()
    }

    private static func lateFIN(_ late: Connection.LateFIN?, _ json: inout JSONWriter) {
        guard let late else { return json.null() }
        json.beginObject()
        json.key("side")
        json.value(late.side.rawValue)
        json.key("forgotten_in")
        json.value(late.forgottenIn.netstatName)
        json.key("gap_seconds")
        json.value(secondsFromNanoseconds: late.gapNanoseconds)
        json.key("linux_limit_seconds")
        json.value(secondsFromNanoseconds: late.linuxLimit.nanoseconds)
        json.key("exceeds_linux_limit")
        json.value(late.exceedsLinuxLimit)
        json.endObject()
    }

    private static func timeline(_ timeline: EndpointTimeline, _ json: inout JSONWriter) {
        json.beginObject()
        json.key("initial_state")
        json.value(timeline.initialState?.netstatName)
        json.key("final_state")
        json.value(timeline.finalState?.netstatName)
        json.key("omitted_transitions")
        json.value(timeline.omittedTransitions)
        json.key("transitions")
        json.beginArray()
        for transition in timeline.transitions {
            json.beginObject()
            json.key("state")
            json.value(transition.to.netstatName)
            json.key("from")
            json.value(transition.from.netstatName)
            json.key("event")
            json.value(transition.event.identifier)
            json.key("time")
            json.value(secondsFromNanoseconds: transition.timestampNanoseconds)
            json.key("packet")
            if let packet = transition.packetNumber { json.value(packet) } else { json.null() }
            json.key("inferred")
            json.value(transition.inferred)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
