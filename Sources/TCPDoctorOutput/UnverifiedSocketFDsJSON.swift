import TCPDoctorCore

/// The socket fds in no kernel table that could not be confirmed as dead, in the `sockets` and
/// `doctor` documents (docs/json.md: `unverified_socket_fds`).
///
/// They are never findings; they are shown so that a gap is not silent, with the reason a person
/// can act on (run as root, wait for the fd to go idle).
public enum UnverifiedSocketFDsJSON {
    /// `"unverified_socket_fds": [{"pid", "fd", "inode", "protocol", "command", "reason", "detail"}]`.
    public static func writeJSON(_ fds: [UnverifiedSocketFD], snapshot: Snapshot, to json: inout JSONWriter) {
        json.key("unverified_socket_fds")
        json.beginArray()
        for fd in fds {
            json.beginObject()
            writeHolder(fd.owner, inode: fd.inode, protocolName: fd.protocolName, to: &json)
            json.key("command")
            json.value(snapshot.processes[fd.owner.pid]?.command)
            json.key("reason")
            json.value(fd.reason.rawValue)
            json.key("detail")
            json.value(fd.detail)
            json.endObject()
        }
        json.endArray()
    }

    /// `"pid", "fd", "inode", "protocol"`: the fields every socket fd entry starts with, dead
    /// (`dead_socket_fds`) or unverified.
    public static func writeHolder(_ owner: SocketOwner, inode: UInt64, protocolName: String, to json: inout JSONWriter)
    {
        json.key("pid")
        json.value(owner.pid)
        json.key("fd")
        json.value(owner.fd)
        json.key("inode")
        json.value(inode)
        json.key("protocol")
        json.value(protocolName)
    }
}
