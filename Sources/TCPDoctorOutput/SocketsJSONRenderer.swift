import TCPDoctorCore

/// `sockets --json`, streamed (see `JSONWriter` for why not Codable). Schema: docs/json.md.
public struct SocketsJSONRenderer {
    public let snapshot: Snapshot
    public let includeInfo: Bool

    public init(snapshot: Snapshot, includeInfo: Bool) {
        self.snapshot = snapshot
        self.includeInfo = includeInfo
    }

    public func write(
        _ sockets: [SocketRecord],
        dead: [DeadSocketFD],
        unverified: [UnverifiedSocketFD],
        to json: inout JSONWriter
    ) {
        json.beginObject()
        json.key("taken_at")
        json.value(snapshot.takenAt)
        json.key("source")
        json.value(snapshot.coverage.source.rawValue)
        NamespacesJSON.write(snapshot.namespaces, sources: snapshot.coverage.namespaceSources, to: &json)

        var referenced = Set<Int32>()
        json.key("sockets")
        json.beginArray()
        for socket in sockets {
            json.beginObject()
            SocketFieldsJSON.write(socket, to: &json)
            json.key("uid")
            json.value(socket.uid)
            json.key("netns")
            json.value(socket.netns)
            json.key("cookie")
            json.value(socket.cookie)
            json.key("timer")
            writeTimer(socket.timer, &json)
            if includeInfo {
                json.key("tcp_info")
                writeInfo(socket.tcpInfo, &json)
                json.key("shutdown")
                writeShutdown(socket.shutdown, &json)
            }
            OwnersJSON.write(socket, in: snapshot, referenced: &referenced, to: &json)
            json.endObject()
        }
        json.endArray()

        json.key("dead_socket_fds")
        json.beginArray()
        for fd in dead {
            referenced.insert(fd.owner.pid)
            json.beginObject()
            UnverifiedSocketFDsJSON.writeHolder(fd.owner, inode: fd.inode, protocolName: fd.protocolName, to: &json)
            json.key("idle_ms")
            if let idle = fd.idleMilliseconds { json.value(idle) } else { json.null() }
            json.key("command")
            json.value(snapshot.processes[fd.owner.pid]?.command)
            json.endObject()
        }
        json.endArray()
        for fd in unverified { referenced.insert(fd.owner.pid) }
        UnverifiedSocketFDsJSON.writeJSON(unverified, snapshot: snapshot, to: &json)

        json.key("processes")
        json.beginArray()
        for pid in referenced.sorted() {
            guard let process = snapshot.processes[pid] else { continue }
            ProcessJSON.write(process, to: &json)
        }
        json.endArray()
        CoverageJSON.write(snapshot.coverage, to: &json)
        json.endObject()
        json.finish()
    }

    private func writeTimer(_ timer: SocketTimer?, _ json: inout JSONWriter) {
        guard let timer else { return json.null() }
        json.beginObject()
        json.key("kind")
        json.value(timer.kind.name)
        json.key("expires_ms")
        json.value(timer.expiresMilliseconds)
        json.key("retransmits")
        json.value(timer.retransmits)
        json.endObject()
    }

    private func writeShutdown(_ shutdown: ShutdownState?, _ json: inout JSONWriter) {
        guard let shutdown else { return json.null() }
        json.beginObject()
        json.key("read")
        json.value(shutdown.contains(.receive))
        json.key("write")
        json.value(shutdown.contains(.send))
        json.endObject()
    }

    private func writeInfo(_ info: TCPInfoSummary?, _ json: inout JSONWriter) {
        guard let info else { return json.null() }
        json.beginObject()
        json.key("last_data_sent_ms")
        json.value(info.lastDataSentMilliseconds)
        json.key("last_data_recv_ms")
        json.value(info.lastDataReceivedMilliseconds)
        json.key("last_ack_recv_ms")
        json.value(info.lastAckReceivedMilliseconds)
        json.key("rtt_us")
        json.value(info.rttMicroseconds)
        json.key("rttvar_us")
        json.value(info.rttVarianceMicroseconds)
        json.key("retransmits")
        json.value(info.retransmits)
        json.key("total_retransmits")
        json.value(info.totalRetransmits)
        json.key("probes")
        json.value(info.probes)
        json.key("backoff")
        json.value(info.backoff)
        json.key("unacked")
        json.value(info.unacked)
        json.key("bytes_received")
        json.value(info.bytesReceived)
        json.key("bytes_acked")
        json.value(info.bytesAcked)
        json.endObject()
    }
}
