/// How findings are named in a report, so that the finding about one end of a local connection
/// can point at the finding about the other end (`Finding.related`).
///
/// Ids are built from what a rule groups by, not numbered, so that a rule can name the finding
/// another rule makes about the other end without seeing it: the FIN_WAIT2 rule names
/// `close-wait-leak/4121/43769` from the peer socket it found. `FindingLinks.resolve` then drops
/// the names of findings that were not made (below their threshold, or filtered out).
public enum FindingID {
    /// `rule/subject/place`, with `@INODE` outside the host namespace.
    ///
    /// - Parameters:
    ///   - rule: The rule's identifier.
    ///   - subject: The process (its pid), `unknown`, or nil when the finding is not about one.
    ///   - place: The listening port (`8000`) or peer (`10.0.0.9:8080`), or nil.
    ///   - netns: The namespace inode, appended unless it is the host's (or unknown, 0).
    ///   - hostNetns: The host namespace's inode.
    public static func make(rule: String, subject: String?, place: String?, netns: UInt64, hostNetns: UInt64?) -> String
    {
        var parts = [rule]
        if let subject { parts.append(subject) }
        if let place, !place.isEmpty { parts.append(place) }
        let id = parts.joined(separator: "/")
        return netns == 0 || netns == hostNetns ? id : "\(id)@\(netns)"
    }

    /// The default id of a finding whose rule names it no better: rule, its processes, its place.
    static func make(rule: String, processes: [Finding.Process], place: String?) -> String {
        let subject = processes.isEmpty ? nil : processes.map { "\($0.pid)" }.joined(separator: "+")
        return make(rule: rule, subject: subject, place: place, netns: 0, hostNetns: nil)
    }

    /// The place of a `PeerTarget`, what rules group by: the listening port, or the peer's address.
    static func place(_ target: PeerTarget) -> String {
        switch target {
        case .listeningPort(let port): "\(port)"
        case .peer(let address): address.family == .ipv6 ? "[\(address)]" : "\(address)"
        }
    }
}

extension DiagnosisInput {
    /// The id of a finding of `rule` about `subject` at `place` in namespace `netns` (see `FindingID`).
    func findingID(_ rule: String, subject: String?, place: String?, netns: UInt64) -> String {
        let host = snapshot.namespaces.first(where: \.isHost)?.inode
        return FindingID.make(rule: rule, subject: subject, place: place, netns: netns, hostNetns: host)
    }
}
