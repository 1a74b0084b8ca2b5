import TCPDoctorCore

extension LabScenario {
    /// The sockets a run of this scenario leaves in the kernel's tables once it is set up.
    ///
    /// - Parameters:
    ///   - connections: the resolved `--connections`.
    ///   - fixed: whether the fixed variant ran; its expectations count 0 for the pile.
    ///   - counts: what the roles reported (`RunningLab.counts`), for the scenarios whose numbers
    ///     only the run knows: `accepted` for `emfile`, `connections` for `port-exhaustion`.
    public func expectations(connections: Int, fixed: Bool, counts: [String: Int] = [:]) -> [LabExpectation] {
        let pile = fixed ? 0 : connections
        switch kind {
        case .closeWaitNoRead:
            return [
                LabExpectation(
                    state: .closeWait,
                    side: .server,
                    holders: [.server],
                    recvQ: fixed ? nil : 1,
                    count: pile
                )
            ]
        case .closeWaitEOF:
            return [
                LabExpectation(
                    state: .closeWait,
                    side: .server,
                    holders: [.server],
                    recvQ: fixed ? nil : 0,
                    count: pile
                )
            ]
        case .closeWaitData:
            let unread = UInt32(LabWire.unreadAfterHeader)
            return [
                LabExpectation(
                    state: .closeWait,
                    side: .server,
                    holders: [.server],
                    recvQ: fixed ? nil : unread,
                    count: pile
                )
            ]
        case .forkShared:
            let closing = connections / 2
            let open = connections - closing
            return [
                LabExpectation(
                    state: .established,
                    side: .server,
                    holders: [.server, .handler],
                    count: fixed ? 0 : open
                ),
                LabExpectation(state: .established, side: .server, holders: [.handler], count: fixed ? open : 0),
                LabExpectation(
                    state: .closeWait,
                    side: .server,
                    holders: [.server],
                    recvQ: fixed ? nil : 0,
                    count: fixed ? 0 : closing
                ),
            ]
        case .httpClientLeak:
            return [
                LabExpectation(
                    state: .closeWait,
                    side: .client,
                    holders: [.client],
                    recvQ: fixed ? nil : 1,
                    count: pile
                )
            ]
        case .serverClosesFirst:
            return [
                LabExpectation(state: .timeWait, side: .server, holders: [], count: pile),
                LabExpectation(state: .timeWait, side: .client, holders: [], count: fixed ? connections : 0),
            ]
        case .portExhaustion:
            let made = counts["connections"] ?? connections
            return [
                LabExpectation(state: .timeWait, side: .client, holders: [], count: fixed ? 0 : made),
                LabExpectation(state: .established, side: .client, holders: [.client], count: fixed ? 1 : 0),
            ]
        case .emfile:
            let accepted = counts["accepted"] ?? 0
            return [
                LabExpectation(
                    state: .closeWait,
                    side: .server,
                    holders: [.server],
                    recvQ: fixed ? nil : 1,
                    count: fixed ? 0 : accepted
                )
            ]
        case .resetHeld:
            return [LabExpectation(state: nil, side: .server, holders: [.server], count: pile)]
        case .acceptStall:
            // The client says how many handshakes completed: normally the queue's backlog + 1,
            // one more when a last ACK raced a SYN and met a full queue.
            let queued = Int(LabWire.stallBacklog) + 1
            let connected = counts["connected"] ?? (fixed ? connections : queued)
            return [
                LabExpectation(state: .established, side: .server, holders: [], count: fixed ? 0 : queued),
                LabExpectation(state: .established, side: .server, holders: [.server], count: fixed ? connections : 0),
                LabExpectation(state: .established, side: .client, holders: [.client], count: connected),
                LabExpectation(state: .synSent, side: .client, holders: [.client], count: connections - connected),
            ]
        case .unansweredSYN:
            return [LabExpectation(state: .synSent, side: .client, holders: [.client], count: pile)]
        }
    }

    /// tcpdoctor commands that show what the broken variant leaves, for the run summary.
    public func inspectCommands(port: UInt16, netns: String?) -> [String] {
        let scope = netns.map { " --netns \($0)" } ?? ""
        var commands = ["tcpdoctor doctor"]
        switch kind {
        case .closeWaitNoRead, .closeWaitEOF, .closeWaitData, .emfile:
            commands.append("tcpdoctor sockets\(scope) state close-wait sport = :\(port)")
        case .forkShared:
            commands.append("tcpdoctor sockets\(scope) sport = :\(port)")
        case .httpClientLeak:
            commands.append("tcpdoctor sockets\(scope) state close-wait dport = :\(port)")
        case .serverClosesFirst:
            commands.append("tcpdoctor sockets\(scope) state time-wait sport = :\(port)")
        case .portExhaustion:
            commands.append("tcpdoctor states\(scope) --by remote")
            commands.append("tcpdoctor sockets\(scope) state time-wait dport = :\(port)")
        case .resetHeld:
            commands.append("tcpdoctor sockets --process \(command(of: .server))")
        case .acceptStall:
            commands.append("tcpdoctor sockets\(scope) sport = :\(port)")
            commands.append("tcpdoctor sockets\(scope) state syn-sent dport = :\(port)")
        case .unansweredSYN:
            commands.append("tcpdoctor sockets\(scope) state syn-sent")
        }
        return commands
    }
}
