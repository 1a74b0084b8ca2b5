import TCPDoctorCore

/// The `namespaces` array shared by every live JSON document.
public enum NamespacesJSON {
    /// - Parameter sources: how each namespace's sockets were read (`Coverage.namespaceSources`);
    ///   a namespace not in it was not read, and its `source` is null.
    public static func write(
        _ namespaces: [NetworkNamespace],
        sources: [Coverage.NamespaceSource] = [],
        to json: inout JSONWriter
    ) {
        json.key("namespaces")
        json.beginArray()
        for namespace in namespaces {
            json.beginObject()
            json.key("inode")
            json.value(namespace.inode)
            json.key("label")
            json.value(namespace.label)
            json.key("names")
            json.beginArray()
            for name in namespace.names { json.value(name) }
            json.endArray()
            json.key("pids")
            json.beginArray()
            for pid in namespace.pids { json.value(pid) }
            json.endArray()
            json.key("host")
            json.value(namespace.isHost)
            json.key("source")
            if let read = sources.first(where: { $0.inode == namespace.inode }) {
                json.value(read.source.rawValue)
            } else {
                json.null()
            }
            json.endObject()
        }
        json.endArray()
    }
}

/// The fields every socket object begins with: state, endpoints, queues, inode.
public enum SocketFieldsJSON {
    public static func write(_ socket: SocketRecord, to json: inout JSONWriter) {
        json.key("state")
        json.value(socket.state.netstatName)
        json.key("local")
        json.value(endpoint: socket.local)
        json.key("remote")
        json.value(endpoint: socket.remote)
        json.key("recv_q")
        json.value(socket.recvQ)
        json.key("send_q")
        json.value(socket.sendQ)
        json.key("inode")
        json.value(socket.inode)
    }
}

/// A socket's `owners` array: each holder's pid, fd and command; `referenced` collects the pids,
/// for the document's `processes`.
public enum OwnersJSON {
    public static func write(
        _ socket: SocketRecord,
        in snapshot: Snapshot,
        referenced: inout Set<Int32>,
        to json: inout JSONWriter
    ) {
        json.key("owners")
        json.beginArray()
        for owner in snapshot.owners(of: socket) {
            referenced.insert(owner.pid)
            json.beginObject()
            json.key("pid")
            json.value(owner.pid)
            json.key("fd")
            json.value(owner.fd)
            json.key("command")
            json.value(snapshot.processes[owner.pid]?.command)
            json.endObject()
        }
        json.endArray()
    }
}

/// One process object: identity, arguments, user, open files and limits.
public enum ProcessJSON {
    public static func write(_ process: TCPProcess, to json: inout JSONWriter) {
        json.beginObject()
        json.key("pid")
        json.value(process.pid)
        json.key("ppid")
        json.value(process.parentPID)
        json.key("command")
        json.value(process.command)
        json.key("argv")
        json.beginArray()
        for argument in process.argv { json.value(argument) }
        json.endArray()
        json.key("uid")
        json.value(process.uid)
        json.key("user")
        if let user = process.user { json.value(user) } else { json.null() }
        json.key("open_files")
        json.value(process.openFiles)
        json.key("fd_limit_soft")
        if let soft = process.fileLimitSoft { json.value(soft) } else { json.null() }
        json.key("fd_limit_hard")
        if let hard = process.fileLimitHard { json.value(hard) } else { json.null() }
        json.key("netns")
        json.value(process.netns)
        json.endObject()
    }
}

/// The top-level `unattributed` object: what could not be seen, and why.
public enum CoverageJSON {
    public static func write(_ coverage: Coverage, to json: inout JSONWriter) {
        json.key("unattributed")
        json.beginObject()
        json.key("owners_scanned")
        json.value(coverage.ownersScanned)
        json.key("sockets")
        json.value(coverage.socketsUnattributed)
        json.key("processes_scanned")
        json.value(coverage.processesScanned)
        json.key("processes_vanished")
        json.value(coverage.processesVanished)
        json.key("unreadable_processes")
        json.beginArray()
        for process in coverage.processesUnreadable {
            json.beginObject()
            json.key("pid")
            json.value(process.pid)
            json.key("command")
            if let command = process.command { json.value(command) } else { json.null() }
            json.key("reason")
            json.value(process.reason)
            json.endObject()
        }
        json.endArray()
        json.key("namespaces_unread")
        json.beginArray()
        for problem in coverage.namespaceProblems {
            json.beginObject()
            json.key("netns")
            json.value(problem.inode)
            json.key("netns_label")
            json.value(problem.namespace)
            json.key("reason")
            json.value(problem.reason)
            json.endObject()
        }
        json.endArray()
        json.key("reasons")
        json.beginArray()
        for reason in coverage.reasons { json.value(reason) }
        json.endArray()
        json.endObject()
    }
}
