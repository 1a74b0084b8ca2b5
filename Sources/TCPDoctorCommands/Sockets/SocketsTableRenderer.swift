import TCPDoctorCore
import TCPDoctorOutput

/// The `sockets` table: one line per socket, ss-like, with every owner in the last column.
struct SocketsTableRenderer {
    let snapshot: Snapshot
    let includeInfo: Bool
    let style: TerminalStyle

    func write(
        _ sockets: [SocketRecord],
        dead: [DeadSocketFD],
        unverified: [UnverifiedSocketFD],
        to out: inout OutputBuffer
    ) {
        let showNetns = Set(sockets.map(\.netns)).count > 1 || snapshot.namespaces.count > 1
        var columns: [TextTable.Column] = [
            .left("State"), .right("Recv-Q"), .right("Send-Q"), .left("Local Address:Port"),
            .left("Peer Address:Port"),
        ]
        if showNetns { columns.append(.left("Netns")) }
        if includeInfo {
            columns += [.left("Timer"), .right("RTT ms"), .right("Last rcv"), .right("Last snd"), .left("Shutdown")]
        }
        columns.append(.left("Process"))
        var table = TextTable(columns)
        var labels: [UInt64: String] = [:]
        for namespace in snapshot.namespaces { labels[namespace.inode] = namespace.label }
        for socket in sockets {
            var row = [
                socket.state.netstatName, "\(socket.recvQ)", "\(socket.sendQ)", socket.local.description,
                socket.remote.description,
            ]
            if showNetns { row.append(labels[socket.netns] ?? "net:[\(socket.netns)]") }
            if includeInfo { row += infoCells(socket) }
            row.append(ownersCell(socket))
            table.append(row)
        }
        table.write(to: &out, style: style)
        defer { UnverifiedSocketFDsOutput.writeText(unverified, snapshot: snapshot, style: style, to: &out) }
        guard !dead.isEmpty else { return }
        out.write("\n")
        out.write(
            style.bold("Socket fds whose TCP socket the kernel already reset or destroyed (the fd is still open):")
        )
        out.write("\n")
        var deadTable = TextTable([.right("PID"), .right("FD"), .right("Inode"), .left("Protocol"), .left("Command")])
        for fd in dead {
            let command = snapshot.processes[fd.owner.pid]?.command ?? "?"
            deadTable.append(["\(fd.owner.pid)", "\(fd.owner.fd)", "\(fd.inode)", fd.protocolName, command])
        }
        deadTable.write(to: &out, style: style)
    }

    private func ownersCell(_ socket: SocketRecord) -> String {
        let owners = snapshot.owners(of: socket)
        if owners.isEmpty {
            return socket.inode == 0 || !snapshot.coverage.ownersScanned ? "" : "?"
        }
        return owners.map { owner in
            let command = snapshot.processes[owner.pid]?.command ?? "?"
            return "\(command) pid=\(owner.pid) fd=\(owner.fd)"
        }.joined(separator: ", ")
    }

    private func infoCells(_ socket: SocketRecord) -> [String] {
        let timer =
            socket.timer.map { timer in
                "\(timer.kind.name) \(Self.milliseconds(timer.expiresMilliseconds))/\(timer.retransmits)"
            } ?? ""
        guard let info = socket.tcpInfo else { return [timer, "", "", "", shutdownCell(socket)] }
        let rtt = Double(info.rttMicroseconds) / 1000
        return [
            timer, String((rtt * 10).rounded() / 10), Self.milliseconds(Int64(info.lastDataReceivedMilliseconds)),
            Self.milliseconds(Int64(info.lastDataSentMilliseconds)), shutdownCell(socket),
        ]
    }

    private func shutdownCell(_ socket: SocketRecord) -> String {
        guard let shutdown = socket.shutdown else { return "" }
        switch (shutdown.contains(.receive), shutdown.contains(.send)) {
        case (true, true): return "both"
        case (true, false): return "read"
        case (false, true): return "write"
        case (false, false): return "-"
        }
    }

    /// `850ms`, `12s`, `3m20s`, `2h5m`: compact ages for a table cell.
    static func milliseconds(_ value: Int64) -> String {
        if value < 0 { return "-" + milliseconds(-value) }
        if value < 1000 { return "\(value)ms" }
        let seconds = value / 1000
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        return "\(seconds / 3600)h\(seconds % 3600 / 60)m"
    }
}
