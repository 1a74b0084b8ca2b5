import TCPDoctorCore

extension ConnectionTracker {
    /// A SYN or SYN+ACK from side `s`: `connect()` (or SEND on a listener) for a first SYN, a
    /// retransmission when the sequence number repeats.
    mutating func senderSYN(_ segment: TCPSegment, side s: Int, ack: Bool) {
        if sides[s].hasISN {
            if segment.sequence == sides[s].initialSequence { sides[s].synRetransmissions &+= 1 }
            return
        }
        sides[s].hasISN = true
        sides[s].initialSequence = segment.sequence
        guard !ack else { return }
        switch sides[s].state {
        case .closed: apply(side: s, .activeOpen, time: segment.timestampNanoseconds, packet: segment.packetNumber)
        case .listen: apply(side: s, .send, time: segment.timestampNanoseconds, packet: segment.packetNumber)
        default: break
        }
    }

    /// A FIN from side `s`: `close()` the first time, a retransmission when the FIN's sequence
    /// number repeats.
    ///
    /// A first FIN that does not acknowledge the peer's FIN was sent before its sender received the
    /// peer's FIN, even if the peer's FIN came first in the capture. If the model had already moved
    /// the sender to CLOSE_WAIT on the peer's FIN, that step is undone: the sender closed from
    /// ESTABLISHED (FIN_WAIT1) and then received the peer's FIN (CLOSING): a simultaneous close.
    mutating func senderFIN(_ segment: TCPSegment, side s: Int, syn: Bool, ack: Bool) {
        let r = 1 - s
        let finSequence = segment.sequence &+ segment.payloadLength &+ (syn ? 1 : 0)
        let time = segment.timestampNanoseconds
        let packet = segment.packetNumber
        if sides[s].hasFIN {
            if finSequence == sides[s].finSequence { sides[s].finRetransmissions &+= 1 }
            return
        }
        sides[s].hasFIN = true
        sides[s].finSequence = finSequence
        sides[s].finTime = time
        sides[s].finPacket = packet
        let acksPeerFIN =
            sides[s].ackedPeerFIN
            || (ack && sides[r].hasFIN && sequenceLessOrEqual(sides[r].finSequence &+ 1, segment.acknowledgment))
        sides[s].finActive = !acksPeerFIN

        if sides[s].finActive && sides[s].state == .closeWait,
            let index = timeline.lastIndex(responder: s == 1),
            timeline[index].to == .closeWait, timeline[index].event == .receiveFIN
        {
            sides[s].state = timeline[index].from
            timeline.remove(at: index)
            apply(side: s, .close, time: time, packet: packet)
            apply(side: s, .receiveFIN, time: time, packet: sides[r].finPacket)
            return
        }
        apply(side: s, .close, time: time, packet: packet)
    }

    /// The responder's first answer to the SYN is a RST: nothing listened on the port.
    mutating func refuse(_ segment: TCPSegment) {
        refused = true
        sides[1].state = .closed
        sides[1].initialState = .closed
        record(
            side: 1,
            from: .closed,
            to: .closed,
            event: .receiveSYN,
            time: pendingSYNTime,
            packet: pendingSYNPacket,
            inferred: false
        )
        noteReset(segment, side: 1, senderState: .closed, answered: .receiveSYN)
    }

    /// A RST from side `s`: an abort if it still had the connection, otherwise an answer for a
    /// connection it no longer had.
    ///
    /// The late FIN: side `s` closed first, reached FIN_WAIT2, and the model moved it to TIME_WAIT
    /// when the peer's FIN arrived. If `s` answers that FIN with RST (having sent nothing since),
    /// it had in fact forgotten the connection: its orphaned FIN_WAIT2 expired (`tcp_fin_timeout`).
    /// The step is rewritten as an inferred timeout, placed `finTimeout` after FIN_WAIT2 began or at
    /// the FIN if that came sooner, followed by CLOSED answering the FIN with RST.
    mutating func senderRST(_ segment: TCPSegment, side s: Int, finTimeout: Int64) {
        let r = 1 - s
        let state = sides[s].state
        if state == .closed || state == .listen {
            let answered = sides[s].lastReceivedEvent
            if TCPStateMachine.transition(from: state, on: answered)?.sends == .rst {
                recordAnswer(side: s, state: state, answered: answered)
                if state == .closed && (answered == .receiveFIN || answered == .receiveFINACKOfFIN)
                    && sides[s].hasFIN && !lateFIN.present && sides[s].timeWaitEnteredAt != 0
                {
                    // TIME_WAIT had ended (60 s) when the peer's FIN came again.
                    lateFIN = LateFINRecord(
                        present: true,
                        side: UInt8(r),
                        forgottenIn: .timeWait,
                        gap: sides[s].lastReceivedTime &- sides[s].timeWaitEnteredAt
                    )
                }
            }
            noteReset(segment, side: s, senderState: state, answered: answered)
            return
        }
        if state == .timeWait, let index = timeline.lastIndex(responder: s == 1) {
            let entry = timeline[index]
            let answersFIN = entry.event == .receiveFIN || entry.event == .receiveFINACKOfFIN
            if entry.from == .finWait2 && answersFIN && sides[s].lastSentPacket < entry.packetNumber
                && !sides[s].lastReceivedHadPayload
            {
                let enteredFinWait2 = sides[s].finWait2EnteredAt
                let timeoutAt = min(enteredFinWait2 &+ finTimeout, entry.timestamp)
                timeline.remove(at: index)
                record(
                    side: s,
                    from: .finWait2,
                    to: .closed,
                    event: .finWait2Timeout,
                    time: timeoutAt,
                    packet: 0,
                    inferred: true
                )
                record(
                    side: s,
                    from: .closed,
                    to: .closed,
                    event: entry.event,
                    time: entry.timestamp,
                    packet: entry.packetNumber,
                    inferred: false
                )
                sides[s].state = .closed
                lateFIN = LateFINRecord(
                    present: true,
                    side: UInt8(r),
                    forgottenIn: .finWait2,
                    gap: entry.timestamp &- enteredFinWait2
                )
                noteReset(segment, side: s, senderState: .closed, answered: entry.event)
                return
            }
        }
        noteReset(segment, side: s, senderState: state, answered: nil)
        apply(side: s, .abort, time: segment.timestampNanoseconds, packet: segment.packetNumber)
    }

    /// Records a RST answer from a closed or listening side, once per run of identical answers.
    private mutating func recordAnswer(side s: Int, state: TCPState, answered: TCPEvent) {
        if let index = timeline.lastIndex(responder: s == 1) {
            let last = timeline[index]
            if last.from == state && last.to == state && last.event == answered { return }
        }
        record(
            side: s,
            from: state,
            to: state,
            event: answered,
            time: sides[s].lastReceivedTime,
            packet: sides[s].lastReceivedPacket,
            inferred: false
        )
    }

    /// Keeps the first RST of the connection.
    private mutating func noteReset(_ segment: TCPSegment, side s: Int, senderState: TCPState, answered: TCPEvent?) {
        guard !resetSeen else { return }
        resetSeen = true
        reset = ResetRecord(
            side: UInt8(s),
            senderState: senderState,
            receiverState: sides[1 - s].state,
            answered: answered,
            afterBothFINs: sides[0].hasFIN && sides[1].hasFIN,
            time: segment.timestampNanoseconds,
            packet: segment.packetNumber
        )
    }

    /// When side `r` last received a segment, and whether it carried data.
    @inline(__always)
    mutating func noteReceipt(_ segment: TCPSegment, side r: Int) {
        sides[r].lastReceivedTime = segment.timestampNanoseconds
        sides[r].lastReceivedPacket = segment.packetNumber
        sides[r].lastReceivedHadPayload = segment.payloadLength > 0
    }

    /// The segment as its receiver, side `r`, takes it.
    mutating func receive(_ segment: TCPSegment, side r: Int, syn: Bool, ack: Bool, fin: Bool, rst: Bool) {
        let time = segment.timestampNanoseconds
        let packet = segment.packetNumber
        noteReceipt(segment, side: r)
        if rst {
            sides[r].lastReceivedEvent = .receiveRST
            apply(side: r, .receiveRST, time: time, packet: packet)
            return
        }
        if syn {
            let event: TCPEvent = ack ? .receiveSYNACK : .receiveSYN
            sides[r].lastReceivedEvent = event
            if r == 1 && sides[1].state == .listen && !sides[1].hasISN && sides[1].packets == 0 {
                // The responder has not shown itself: its receipt waits for its answer.
                if !responderPending && pendingSYNPacket == 0 {
                    responderPending = true
                    pendingSYNTime = time
                    pendingSYNPacket = packet
                }
                return
            }
            apply(side: r, event, time: time, packet: packet)
            return
        }
        let state = sides[r].state
        let acknowledgment = segment.acknowledgment
        if ack && state == .synReceived
            && (!sides[r].hasISN || sequenceLess(sides[r].initialSequence, acknowledgment))
        {
            apply(side: r, .receiveACKOfSYN, time: time, packet: packet)
        }
        let acksFIN = ack && sides[r].hasFIN && sequenceLessOrEqual(sides[r].finSequence &+ 1, acknowledgment)
        let event: TCPEvent
        if fin {
            event = acksFIN ? .receiveFINACKOfFIN : .receiveFIN
        } else if acksFIN && (state == .finWait1 || state == .closing || state == .lastAck) {
            event = .receiveACKOfFIN
        } else {
            event = .receiveACK
        }
        sides[r].lastReceivedEvent = event
        // A plain ACK changes nothing in most states: skip the table lookup on the hot path.
        if event == .receiveACK && sides[r].state != .closed && sides[r].state != .listen { return }
        apply(side: r, event, time: time, packet: packet)
    }
}
