import TCPDoctorCore

extension ConnectionTracker {
    /// The finished connection as a public value.
    ///
    /// - Parameter endNanoseconds: The end of observation: the end of the capture, or the moment the
    ///   analyzer gave up waiting for more segments. TIME_WAIT timers that ran out by then fire, and
    ///   a CLOSE_WAIT still held is measured up to it.
    /// - Parameter zeek: Whether Zeek's history and endpoint states were followed (see
    ///   `process`); without them the connection's Zeek columns are nil.
    @inline(__always)
    mutating func connection(endNanoseconds: Int64, zeek: Bool) -> Connection {
        let end = max(endNanoseconds, lastTime)
        for side in 0..<2 where sides[side].state == .timeWait {
            let expiry = sides[side].timeWaitEnteredAt &+ Self.timeWaitNanoseconds
            if end >= expiry { apply(side: side, .timeWaitTimeout, time: expiry, packet: 0, inferred: true) }
        }
        return makeConnection(end: end, zeek: zeek)
    }

    /// Builds the value.
    ///
    /// Inlined into the mutating `connection`, with the helpers it reads, so that they read the
    /// record in place: a call to a non-mutating method of a record held in memory copied all of
    /// it (about 900 bytes) first, once per connection and before that once per computed property.
    /// `mutating` although it changes nothing, for the same reason: inlined, a non-mutating
    /// method still took a copy of the record to read from (1.7% of the instructions of the
    /// analysis of a capture of short connections). Every helper runs before the value is built:
    /// a mutating call among the initializer's arguments made Swift copy the timeline (328 bytes)
    /// aside first, in case the call changed it.
    @inline(__always)
    private mutating func makeConnection(end: Int64, zeek: Bool) -> Connection {
        let a = key.endpointA
        let b = key.endpointB
        let originatorStats = stats(0)
        let responderStats = stats(1)
        let responderInitialState = responderIsUnknown() ? nil : sides[1].initialState
        let ended = ending()
        let activeCloser = activeCloser()
        let closeWait = closeWait(end: end)
        let halfClose = halfClose()
        let reset = resetSeen ? resetValue() : nil
        let zeekConnState = zeek ? zeekConnState() : nil
        var connection = Connection(
            originator: originatorIsA ? a : b,
            responder: originatorIsA ? b : a,
            originatorBasis: basis,
            startedMidStream: startedMidStream,
            firstTimestampNanoseconds: firstTime,
            lastTimestampNanoseconds: lastTime,
            firstPacketNumber: firstPacket,
            lastPacketNumber: lastPacket,
            originatorStats: originatorStats,
            responderStats: responderStats,
            timelines: ConnectionTimelines(
                buffer: timeline,
                originatorInitialState: sides[0].initialState,
                responderInitialState: responderInitialState
            ),
            ended: ended,
            activeCloser: activeCloser,
            closeWait: closeWait,
            halfClose: halfClose,
            reset: reset,
            lateFIN: lateFIN.present
                ? Connection.LateFIN(
                    side: role(Int(lateFIN.side)),
                    forgottenIn: lateFIN.forgottenIn,
                    gapNanoseconds: lateFIN.gap
                ) : nil,
            zeekConnState: zeekConnState,
            history: zeek ? history : nil,
            completeness: Completeness(rawValue: completeness)
        )
        connection.tunnel = tunnel
        connection.zeekRolesSwapped = zeek && zeekSwapped
        return connection
    }

    @inline(__always)
    private func role(_ side: Int) -> Connection.Role { side == 0 ? .originator : .responder }

    @inline(__always)
    private mutating func stats(_ i: Int) -> EndpointStats {
        // One copy of the side: each `sides[i]` read copies the whole element.
        let side = sides[i]
        return EndpointStats(
            packets: side.packets,
            bytes: side.bytes,
            synRetransmissions: side.synRetransmissions,
            finRetransmissions: side.finRetransmissions,
            finTimestampNanoseconds: side.hasFIN ? side.finTime : nil,
            finPacketNumber: side.hasFIN ? side.finPacket : nil,
            ipBytes: side.ipBytes,
            missedBytes: side.zeek.missedBytes
        )
    }

    /// A responder that never answered and was never modelled is unknown, not LISTEN.
    @inline(__always)
    private mutating func responderIsUnknown() -> Bool {
        basis == .syn && sides[1].packets == 0 && timeline.lastIndex(responder: true) == nil
    }

    @inline(__always)
    private mutating func activeCloser() -> Connection.Closer? {
        let originator = sides[0].hasFIN && sides[0].finActive
        let responder = sides[1].hasFIN && sides[1].finActive
        switch (originator, responder) {
        case (true, true): return .both
        case (true, false): return .originator
        case (false, true): return .responder
        case (false, false): return nil
        }
    }

    @inline(__always)
    mutating func ending() -> Connection.Ending {
        if refused { return .rejected }
        if basis == .syn && sides[1].packets == 0 { return .noAnswer }
        if lateFIN.present { return .lateFINReset }
        if resetSeen { return reset.afterBothFINs ? .finReset : .reset }
        if sides[0].hasFIN && sides[1].hasFIN { return .fin }
        if sides[0].hasFIN || sides[1].hasFIN { return .closeWait }
        if Self.isHandshaking(sides[0].state) || Self.isHandshaking(sides[1].state) { return .handshake }
        return .open
    }

    private static func isHandshaking(_ state: TCPState) -> Bool {
        state == .synSent || state == .synReceived || state == .listen
    }

    /// The passive closer's CLOSE_WAIT: it received the peer's FIN (which was sent first) and had
    /// not sent its own.
    @inline(__always)
    private mutating func closeWait(end: Int64) -> Connection.CloseWait? {
        for holder in 0..<2 {
            let peer = 1 - holder
            guard sides[peer].hasFIN && sides[peer].finActive, !(sides[holder].hasFIN && sides[holder].finActive)
            else { continue }
            let start =
                sides[holder].ackedPeerFIN && !sides[holder].ackedPeerFINWithFIN
                ? sides[holder].ackedPeerFINTime : sides[peer].finTime
            var stop = end
            var endedBy = Connection.CloseWait.End.captureEnd
            if sides[holder].hasFIN {
                stop = sides[holder].finTime
                endedBy = .fin
            }
            if resetSeen && reset.time >= sides[peer].finTime && (endedBy == .captureEnd || reset.time < stop) {
                stop = reset.time
                endedBy = .reset
            }
            return Connection.CloseWait(
                side: role(holder),
                startNanoseconds: start,
                endNanoseconds: max(stop, start),
                endedBy: endedBy
            )
        }
        return nil
    }

    @inline(__always)
    private mutating func halfClose() -> Connection.HalfClose? {
        var best: Connection.HalfClose?
        for sender in 0..<2 where sides[sender].bytesAfterPeerFIN > 0 {
            let since = sides[1 - sender].finTime
            let candidate = Connection.HalfClose(
                side: role(sender),
                bytes: sides[sender].bytesAfterPeerFIN,
                // Captures merged from several interfaces can be slightly out of order.
                seconds: Double(max(0, sides[sender].lastDataAfterPeerFINTime - since)) / 1e9
            )
            if best == nil || candidate.bytes > best?.bytes ?? 0 { best = candidate }
        }
        return best
    }

    @inline(__always)
    private mutating func resetValue() -> Connection.Reset {
        Connection.Reset(
            side: role(Int(reset.side)),
            senderState: reset.senderState,
            receiverState: reset.receiverState,
            answered: reset.answered,
            afterBothFINs: reset.afterBothFINs,
            timestampNanoseconds: reset.time,
            packetNumber: reset.packet
        )
    }
}
