import TCPDoctorCore

/// One line per record with every decoded field, so that expected dumps read as a table.
func recordLine(_ record: SocketRecord) -> String {
    var line = "\(record.state.netstatName) \(record.local) \(record.remote)"
    line += " rq=\(record.recvQ) sq=\(record.sendQ) inode=\(record.inode) uid=\(record.uid) cookie=\(record.cookie)"
    if let timer = record.timer {
        line += " timer=\(timer.kind.name):\(timer.expiresMilliseconds)ms/\(timer.retransmits)"
    }
    if let shutdown = record.shutdown { line += " shutdown=\(shutdown.rawValue)" }
    if let info = record.tcpInfo {
        line += " rtt=\(info.rttMicroseconds)/\(info.rttVarianceMicroseconds)"
        line += " last=\(info.lastDataSentMilliseconds)/\(info.lastDataReceivedMilliseconds)"
        line += "/\(info.lastAckReceivedMilliseconds)"
        line += " acked=\(info.bytesAcked) received=\(info.bytesReceived) unacked=\(info.unacked)"
        line += " retrans=\(info.retransmits)/\(info.totalRetransmits) probes=\(info.probes) backoff=\(info.backoff)"
    }
    return line
}
