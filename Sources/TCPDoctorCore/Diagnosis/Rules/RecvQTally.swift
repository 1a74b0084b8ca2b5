/// What the Recv-Q of a group of CLOSE_WAIT sockets says about the bug.
///
/// The peer's FIN takes one sequence number, so Recv-Q counts it until the application reads
/// end-of-stream: 1 means the FIN itself is unread (the application stopped reading the
/// socket), 0 means it read EOF and never called close(), more than 1 means unread data plus the
/// FIN (it stopped reading mid-stream). Groups can mix the three; the diagnosis says so.
struct RecvQTally: Hashable, Sendable {
    /// Recv-Q 1.
    private(set) var finUnread = 0
    /// Recv-Q 0.
    private(set) var eofNotClosed = 0
    /// Recv-Q above 1.
    private(set) var dataUnread = 0
    /// Bytes of data unread in the `dataUnread` sockets (their Recv-Q minus the FIN).
    private(set) var unreadBytes: UInt64 = 0

    var count: Int { finUnread + eofNotClosed + dataUnread }

    mutating func add(_ recvQ: UInt32) {
        switch recvQ {
        case 0: eofNotClosed += 1
        case 1: finUnread += 1
        default:
            dataUnread += 1
            unreadBytes += UInt64(recvQ - 1)
        }
    }

    private enum Kind { case finUnread, eofNotClosed, dataUnread, mixed }

    private var kind: Kind {
        switch (finUnread > 0, eofNotClosed > 0, dataUnread > 0) {
        case (true, false, false): .finUnread
        case (false, true, false): .eofNotClosed
        case (false, false, true): .dataUnread
        default: .mixed
        }
    }

    /// The evidence: one count per Recv-Q class, unread bytes, and the diagnosis in words.
    var evidence: [EvidenceField] {
        var fields = [
            EvidenceField("fin_unread", .integer(Int64(finUnread))),
            EvidenceField("eof_not_closed", .integer(Int64(eofNotClosed))),
            EvidenceField("data_unread", .integer(Int64(dataUnread))),
        ]
        if unreadBytes > 0 { fields.append(EvidenceField("unread_bytes", .integer(Int64(clamping: unreadBytes)))) }
        fields.append(EvidenceField("diagnosis", .text(shortDiagnosis)))
        return fields
    }

    /// The diagnosis for a summary line.
    var shortDiagnosis: String {
        switch kind {
        case .finUnread: return "the FIN is unread (it stopped reading these sockets)"
        case .eofNotClosed: return "it read EOF and never called close()"
        case .dataUnread: return "unread data plus the FIN (it stopped reading mid-stream)"
        case .mixed:
            var parts: [String] = []
            if finUnread > 0 { parts.append("\(finUnread) with the FIN unread") }
            if eofNotClosed > 0 { parts.append("\(eofNotClosed) read to EOF but not closed") }
            if dataUnread > 0 { parts.append("\(dataUnread) with unread data") }
            return "mixed: " + parts.joined(separator: ", ")
        }
    }

    /// The diagnosis in sentences, for a finding's why.
    var explanation: String {
        let fin =
            "Recv-Q 1 means the FIN itself is unread: the application stopped reading the socket (a thread blocked elsewhere, a connection dropped from the poll set, a pooled connection nobody looks at)."
        let eof =
            "Recv-Q 0 means the application read end-of-stream (read() returned 0) and never called close()."
        let data =
            "Recv-Q above 1 means unread data plus the FIN: the application stopped reading in the middle of a message (an abandoned response body, a handler that gave up)."
        switch kind {
        case .finUnread: return fin
        case .eofNotClosed: return eof
        case .dataUnread: return data
        case .mixed:
            var parts = ["The group mixes bugs (\(shortDiagnosis.dropFirst("mixed: ".count)))."]
            if finUnread > 0 { parts.append(fin) }
            if eofNotClosed > 0 { parts.append(eof) }
            if dataUnread > 0 { parts.append(data) }
            return parts.joined(separator: " ")
        }
    }

    /// Where to look in the code, for the dominant bug.
    var remedy: String {
        let largest = max(finUnread, eofNotClosed, dataUnread)
        if largest == eofNotClosed {
            return
                "Find the end-of-stream branch (read() == 0, EOF, an empty read) and every error path that returns without close()."
        }
        if largest == finUnread {
            return
                "Find where these sockets stop being read: a connection must stay in the read loop or poll set until read() returns 0, and then be closed."
        }
        return
            "Find where a message is abandoned half-read: read or drain it to the end, or close the socket at once when giving up on it."
    }
}
