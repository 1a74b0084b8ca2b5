/// Zeek's connection `history` string, built letter by letter as segments arrive.
///
/// Letters, upper case when Zeek's originator sent the segment and lower case for the responder:
/// `s` SYN without ACK, `h` SYN+ACK, `a` a pure ACK, `d` payload, `f` FIN, `r` RST, `t` a segment
/// that brings no new payload bytes (retransmission), `w` a zero window, `g` a content gap, `i` FIN
/// and RST together, `q` SYN together with FIN or RST, `^` the roles flipped (`ZeekOrientation`).
///
/// Zeek's repeat rules: `a`, `d`, `i` and `q` appear at most once per direction; `s`, `h`, `f` and
/// `r` appear again when the sequence number differs from the last such segment of that direction
/// (for `f`, the sequence number after the payload; `s` and `h` share one record); `t`, `w` and `g`
/// are logarithmic: the 1st, 10th, 100th... occurrence adds a letter. As in Zeek, a segment with
/// one of SYN, FIN or RST set records only that letter, never `a` or `d`.
///
/// `t` follows Zeek's test: a segment with payload that ends (payload, SYN and FIN counted) at or
/// before the highest sequence number its sender already sent. `w` follows Zeek's too: a zero
/// window on a segment that is not a RST, unless the sender has reset or the peer has closed. `g`
/// is noted when an acknowledgment passes bytes of the peer's stream never captured, in the case of
/// the stream's sender, as Zeek's reassembler reports the hole.
///
/// Deviations (docs/zeek.md): `c` (bad checksum) is never produced, because the decoders do not
/// verify checksums; nor is the `^` of Zeek's mid-connection SYN/SYN+ACK reversal; Zeek's guards
/// against huge sequence jumps on SYN and RST are left out of the `t` test. The string is capped at
/// `capacity` letters (Zeek's is unbounded).
struct ZeekHistory: Sendable {
    static let capacity = 31

    private var letters = InlineArray<31, UInt8>(repeating: 0)
    private(set) var count: UInt8 = 0

    init() {}

    /// A history of the given letters as they are, the first `capacity` of them.
    init(letters: some Sequence<UInt8>) {
        for letter in letters where Int(count) < Self.capacity {
            self.letters[Int(count)] = letter
            count += 1
        }
    }

    mutating func add(_ letter: UInt8, originator: Bool) {
        guard Int(count) < Self.capacity else { return }
        // ASCII lower case is upper case plus 0x20.
        letters[Int(count)] = originator ? letter : letter | 0x20
        count += 1
    }

    /// Zeek's `^`: the roles were flipped from the first packet's direction.
    mutating func addFlip() {
        guard Int(count) < Self.capacity else { return }
        letters[Int(count)] = UInt8(ascii: "^")
        count += 1
    }

    var string: String {
        // Written straight into the string: up to 15 ASCII letters fit in a small string, so a
        // usual history costs no allocation (an intermediate byte array cost one per connection).
        let letters = letters
        return String(unsafeUninitializedCapacity: Int(count)) { buffer in
            for index in 0..<Int(count) { buffer[index] = letters[index] }
            return Int(count)
        }
    }
}

extension ZeekHistory: Hashable {
    /// Equal when the letters are; the unused room does not count.
    static func == (lhs: ZeekHistory, rhs: ZeekHistory) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<Int(lhs.count) where lhs.letters[index] != rhs.letters[index] { return false }
        return true
    }

    func hash(into hasher: inout Hasher) {
        for index in 0..<Int(count) { hasher.combine(letters[index]) }
    }
}

extension ConnectionTracker {
    /// Updates the history letters and Zeek's endpoint state for a segment sent by side `s`.
    mutating func recordZeek(_ segment: TCPSegment, side s: Int) {
        if sides[0].packets == 0 && sides[1].packets == 0 {
            // The first segment: Zeek's roles, judged here rather than when the tracker is made,
            // so that an analysis without Zeek's columns does not pay for them.
            let zeek = ZeekOrientation(first: segment)
            zeekSwapped = zeek.sourceIsOriginator != (s == 0)
            if zeek.flipped { history.addFlip() }
        }
        let flags = segment.flags
        let syn = flags.contains(.syn)
        let fin = flags.contains(.fin)
        let rst = flags.contains(.rst)
        let ack = flags.contains(.ack)
        // Letters and states follow Zeek's roles, which may be the analysis's swapped.
        let originator = (s == 0) != zeekSwapped
        let length = segment.payloadLength
        sides[s].ipBytes &+= UInt64(segment.ipLength)
        let bitsSet = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0)

        if bitsSet > 1 {
            let mark: ZeekEndpointHistory.Mark = fin && rst ? .inconsistent : .multiFlag
            if sides[s].zeek.checkSeen(mark).firstTime {
                history.add(fin && rst ? UInt8(ascii: "I") : UInt8(ascii: "Q"), originator: originator)
            }
        } else if syn {
            let letter = ack ? UInt8(ascii: "H") : UInt8(ascii: "S")
            let check = sides[s].zeek.checkSeen(.syn)
            if check.firstTime || segment.sequence != sides[s].zeek.lastSYN {
                history.add(letter, originator: originator)
            }
            sides[s].zeek.lastSYN = segment.sequence
        } else if fin {
            let finSequence = segment.sequence &+ length
            let check = sides[s].zeek.checkSeen(.fin)
            if check.firstTime || finSequence != sides[s].zeek.lastFIN {
                history.add(UInt8(ascii: "F"), originator: originator)
            }
            sides[s].zeek.lastFIN = finSequence
        } else if rst {
            let check = sides[s].zeek.checkSeen(.rst)
            if check.firstTime || segment.sequence != sides[s].zeek.lastRST {
                history.add(UInt8(ascii: "R"), originator: originator)
            }
            sides[s].zeek.lastRST = segment.sequence
        } else if length > 0 {
            if sides[s].zeek.checkSeen(.data).firstTime { history.add(UInt8(ascii: "D"), originator: originator) }
        } else if ack {
            if sides[s].zeek.checkSeen(.ack).firstTime { history.add(UInt8(ascii: "A"), originator: originator) }
        }

        // Zeek's retransmission test: the segment (payload, SYN and FIN; a RST's payload does not
        // count) ends at or before the highest sequence number already sent, and carries payload.
        var segmentEnd = segment.sequence &+ (syn ? 1 : 0) &+ (fin ? 1 : 0)
        if !rst { segmentEnd &+= length }
        if length > 0 && sides[s].hasNextSequence && sides[s].zeekState != .reset
            && sequenceLessOrEqual(segmentEnd, sides[s].nextSequence)
        {
            if sides[s].zeek.countRetransmission() {
                history.add(UInt8(ascii: "T"), originator: originator)
            }
        }
        // A content gap: the segment acknowledges bytes of the peer's stream never captured.
        // Zeek's reassembler skips such a hole when the acknowledgment passes it, counts its
        // bytes as missed, and notes `g` in the case of the stream's sender, logarithmically.
        // Holes and gaps are rare: one test each decides that there is nothing to note.
        let p = 1 - s
        if length > 0 && !rst && sides[s].hasNextSequence
            && (sides[s].zeek.hasHole || sequenceLess(sides[s].nextSequence, segment.sequence))
        {
            noteHole(segment, side: s, syn: syn)
        }
        if ack && !rst && (sides[p].zeek.hasHole || sequenceLess(sides[p].nextSequence, segment.acknowledgment)) {
            noteGap(acknowledgment: segment.acknowledgment, side: p, originator: !originator)
        }
        // Zeek ignores zero windows on a RST, after the sender's own RST and once the peer has closed.
        if segment.window == 0 && !rst && sides[1 - s].zeekState != .closed && sides[s].zeekState != .reset {
            if sides[s].zeek.countZeroWindow() {
                history.add(UInt8(ascii: "W"), originator: originator)
            }
        }
        // Zeek's endpoint state changes only on SYN, FIN or RST once the endpoint has shown itself:
        // most segments skip the state machine.
        if bitsSet == 0 && sides[s].zeekState != .inactive { return }
        updateZeekState(side: s, syn: syn, ack: ack, fin: fin, rst: rst, payload: length)
    }

    /// Notes the content gaps an acknowledgment of side `p`'s stream reveals: a hole it passed
    /// that nothing filled, or bytes beyond everything `p` was seen to send.
    @inline(never)
    private mutating func noteGap(acknowledgment: UInt32, side p: Int, originator: Bool) {
        if sides[p].zeek.hasHole && sequenceLessOrEqual(sides[p].zeek.holeEnd, acknowledgment) {
            sides[p].zeek.hasHole = false
            sides[p].zeek.missedBytes &+= UInt64(sides[p].zeek.holeEnd &- sides[p].zeek.holeStart)
            if sides[p].zeek.countGap() { history.add(UInt8(ascii: "G"), originator: originator) }
        }
        guard sides[p].hasNextSequence && sides[p].zeekState != .reset else { return }
        var covered = sides[p].nextSequence
        if sides[p].zeek.hasGapEnd && sequenceLess(covered, sides[p].zeek.gapEnd) { covered = sides[p].zeek.gapEnd }
        guard sequenceLess(covered, acknowledgment) else { return }
        sides[p].zeek.missedBytes &+= UInt64(acknowledgment &- covered)
        sides[p].zeek.gapEnd = acknowledgment
        sides[p].zeek.hasGapEnd = true
        if sides[p].zeek.countGap() { history.add(UInt8(ascii: "G"), originator: originator) }
    }

    /// Notes a hole in side `s`'s stream (payload that starts past everything sent before), or
    /// its filling by a segment that covers the hole's start.
    @inline(never)
    private mutating func noteHole(_ segment: TCPSegment, side s: Int, syn: Bool) {
        let start = syn ? segment.sequence &+ 1 : segment.sequence
        if sequenceLess(sides[s].nextSequence, start) {
            guard !sides[s].zeek.hasHole else { return }
            sides[s].zeek.hasHole = true
            sides[s].zeek.holeStart = sides[s].nextSequence
            sides[s].zeek.holeEnd = start
        } else if sides[s].zeek.hasHole && sequenceLessOrEqual(start, sides[s].zeek.holeStart)
            && sequenceLess(sides[s].zeek.holeStart, start &+ segment.payloadLength)
        {
            sides[s].zeek.hasHole = false
        }
    }

    private mutating func setZeekState(_ i: Int, _ state: ZeekEndpointState) {
        sides[i].zeekPreviousState = sides[i].zeekState
        sides[i].zeekState = state
    }

    /// Zeek's endpoint state machine (its TCP analyzer's `UpdateStateMachine`), by the sender's
    /// state, in Zeek's roles (`zeekSwapped`). The mid-connection SYN/SYN-ACK reversal is not
    /// modelled.
    private mutating func updateZeekState(side s: Int, syn: Bool, ack: Bool, fin: Bool, rst: Bool, payload: UInt32) {
        let p = 1 - s
        let isOriginator = (s == 0) != zeekSwapped
        let zeekOriginator = zeekSwapped ? 1 : 0
        switch sides[s].zeekState {
        case .inactive:
            if syn {
                if isOriginator {
                    setZeekState(s, ack ? .synAckSent : .synSent)
                } else {
                    // The responder's SYN (normally with ACK) establishes both sides.
                    if sides[p].zeekState == .synSent { setZeekState(p, .established) }
                    setZeekState(s, .established)
                }
            }
            if fin { setZeekState(s, .closed) }
            if rst { setZeekState(s, .reset) }
            if sides[s].zeekState == .inactive {
                if !isOriginator && payload == 0 && sides[zeekOriginator].zeekState == .synSent {
                    // An ACK of the SYN before the SYN+ACK: not yet a partial connection.
                } else if ack && sides[p].zeekState == .established {
                    setZeekState(s, .established)
                } else {
                    setZeekState(s, .partial)
                }
            }
        case .synSent, .synAckSent:
            if fin { setZeekState(s, .closed) }
            if rst { setZeekState(s, .reset) }
        case .established, .partial:
            if syn && !ack && sides[s].zeekState == .partial && sides[p].zeekState == .inactive {
                setZeekState(s, .synSent)
            }
            if fin && !rst {
                setZeekState(s, .closed)
                // The peer's FIN followed by its RST was a normal close after all.
                if sides[p].zeekState == .reset && sides[p].zeekPreviousState == .closed { setZeekState(p, .closed) }
            }
            if rst { setZeekState(s, .reset) }
        case .closed:
            // After a FIN exchange a RST changes nothing: a RST after both FINs is SF.
            if rst && sides[p].zeekState != .closed { setZeekState(s, .reset) }
        case .reset:
            break
        }
    }

    /// Zeek's `conn_state` from the two endpoint states, following `base/protocols/conn/main.zeek`.
    /// `mutating` although it changes nothing: see `makeConnection`.
    @inline(__always)
    mutating func zeekConnState() -> ZeekConnState {
        let zeekOriginator = zeekSwapped ? 1 : 0
        let os = sides[zeekOriginator].zeekState
        let rs = sides[1 - zeekOriginator].zeekState
        let originatorInactive = os == .inactive || os == .partial
        let responderInactive = rs == .inactive || rs == .partial
        if rs == .reset {
            if os == .synSent || os == .synAckSent || (os == .reset && sides[0].bytes == 0 && sides[1].bytes == 0) {
                return .REJ
            }
            return originatorInactive ? .RSTRH : .RSTR
        }
        if os == .reset {
            if responderInactive { return historyMatchesSynThenReset() ? .RSTOS0 : .OTH }
            return .RSTO
        }
        if rs == .closed && os == .closed { return .SF }
        if os == .closed { return responderInactive ? .SH : .S2 }
        if rs == .closed { return originatorInactive ? .SHR : .S3 }
        if os == .synSent && rs == .inactive { return .S0 }
        if os == .established && rs == .established { return .S1 }
        return .OTH
    }

    /// Zeek's test for RSTOS0: the history matches `^?S[^HAFGIQ]*R.*`.
    private func historyMatchesSynThenReset() -> Bool {
        var letters = Array(history.string.utf8)
        if letters.first == UInt8(ascii: "^") { letters.removeFirst() }
        guard letters.first == UInt8(ascii: "S") else { return false }
        let forbidden = Set("HAFGIQ".utf8)
        for letter in letters.dropFirst() {
            if letter == UInt8(ascii: "R") { return true }
            if forbidden.contains(letter) { return false }
        }
        return false
    }
}
