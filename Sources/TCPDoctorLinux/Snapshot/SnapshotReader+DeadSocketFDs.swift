import TCPDoctorCore

extension SnapshotReader {
    /// Socket fds in no table, split into those confirmed dead and those that could not be.
    struct DeadSocketFDs {
        var confirmed: [DeadSocketFD] = []
        var unverified: [UnverifiedSocketFD] = []
    }

    /// TCP socket fds whose socket is in no table of the namespaces read, each confirmed through
    /// a duplicate of the fd or listed as unverified with the reason.
    ///
    /// Being in no dump is not enough: a socket created after the dump, a socket only created or
    /// bound, one whose connect() was refused, and a socket of a namespace that was not read are
    /// in none either (`DetachedSocketInspector` tells them apart). A confirmed socket must also
    /// have been idle for `minimumIdle`, so that an fd whose connection was reset a moment ago,
    /// and which its holder may be about to close, is not called a leak.
    ///
    /// The holders of one socket are asked in turn until one answers: they hold the same socket,
    /// so one answer is the answer for all; if none can be asked, each is listed with its reason.
    ///
    /// - Parameters:
    ///   - minimumIdle: `Thresholds.deadSocketMinimumIdle`.
    ///   - keep: which holders to consider.
    static func deadSocketFDs(
        _ owners: SocketOwnerTable,
        dumped: [SocketRecord],
        minimumIdle: Duration,
        keep: (SocketOwner) -> Bool
    ) -> DeadSocketFDs {
        var inodes = Set<UInt64>(minimumCapacity: dumped.count)
        for socket in dumped where socket.inode != 0 { inodes.insert(socket.inode) }
        let candidates = SocketProtocolProbe().deadTCPSockets(in: owners.filter(keep)) { inodes.contains($0) }
        var result = DeadSocketFDs()
        var index = 0
        // deadTCPSockets lists the holders of one inode together.
        while index < candidates.count {
            var end = index + 1
            while end < candidates.count && candidates[end].inode == candidates[index].inode { end += 1 }
            judge(candidates[index..<end], minimumIdle: minimumIdle, into: &result)
            index = end
        }
        return result
    }

    private static func judge(
        _ holders: ArraySlice<DeadSocketFD>,
        minimumIdle: Duration,
        into result: inout DeadSocketFDs
    ) {
        var undecided: [(UnverifiedSocketFD.Reason, String)] = []
        for holder in holders {
            switch DetachedSocketInspector.inspect(pid: holder.owner.pid, fd: holder.owner.fd, inode: holder.inode) {
            case .notDead:
                return
            case .undecided(let reason, let detail):
                undecided.append((reason, detail))
            case .detached(let idle):
                if Duration.milliseconds(idle) >= minimumIdle {
                    for fd in holders {
                        var confirmed = fd
                        confirmed.idleMilliseconds = idle
                        result.confirmed.append(confirmed)
                    }
                } else {
                    let detail =
                        "reset or destroyed, but active \(seconds(idle)) ago; an fd counts as dead after "
                        + "\(seconds(minimumIdle)) idle (dead-socket-fds.min-idle-seconds)"
                    for fd in holders { result.unverified.append(unverified(fd, .notIdleLongEnough, detail)) }
                }
                return
            }
        }
        for (fd, (reason, detail)) in zip(holders, undecided) {
            result.unverified.append(unverified(fd, reason, detail))
        }
    }

    private static func unverified(
        _ fd: DeadSocketFD,
        _ reason: UnverifiedSocketFD.Reason,
        _ detail: String
    ) -> UnverifiedSocketFD {
        UnverifiedSocketFD(
            owner: fd.owner,
            inode: fd.inode,
            protocolName: fd.protocolName,
            reason: reason,
            detail: detail
        )
    }

    private static func seconds(_ milliseconds: UInt32) -> String { seconds(.milliseconds(milliseconds)) }

    /// A duration as seconds with one decimal: "0.4 s", "10.0 s".
    private static func seconds(_ duration: Duration) -> String {
        let tenths = (duration.components.seconds * 10) + duration.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
