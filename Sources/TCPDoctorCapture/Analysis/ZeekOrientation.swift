import TCPDoctorCore

/// Which end Zeek takes as a connection's originator, judged from the first captured segment.
///
/// Zeek's TCP analyzer (`TCPAnalyzer::WantConnection`) takes the first packet's source as the
/// originator, except when that packet is not a plain SYN and its source port is a likely server
/// port (`likely_server_ports`): then the roles are flipped, and Zeek's history starts with `^`.
/// When both ports are likely server ports it flips only for a packet without SYN whose source
/// port is the lower one; a SYN+ACK from a non-server port is not flipped, so that stealth scans
/// stay as they came. This differs from tcpdoctor's own choice (`OriginatorGuess`, the SYN+ACK's
/// destination), which the analysis keeps; the Zeek columns follow this one.
struct ZeekOrientation {
    /// Zeek's originator is the first segment's source.
    var sourceIsOriginator: Bool
    /// Zeek flipped the roles from the first segment's direction (its `^`).
    var flipped: Bool

    init(first segment: TCPSegment) {
        let syn = segment.flags.contains(.syn)
        let ack = segment.flags.contains(.ack)
        var flip = false
        if !syn || ack {
            let source = segment.source.port
            let destination = segment.destination.port
            if Self.isLikelyServerPort(source) {
                flip = Self.isLikelyServerPort(destination) ? !syn && source < destination : true
            }
        }
        sourceIsOriginator = !flip
        flipped = flip
    }

    /// The TCP ports Zeek's default scripts register their analyzers for, which make up
    /// `likely_server_ports` in a default `zeek -r`: FTP, SSH, Telnet, SMTP, DNS, HTTP and its
    /// proxies, Kerberos, POP3, DCE-RPC, NetBIOS and SMB, IMAP, LDAP, TLS on its well-known ports,
    /// rlogin and rsh, Modbus, MySQL, MQTT, RDP, XMPP, PostgreSQL, VNC, IRC, Redis, DNP3.
    static func isLikelyServerPort(_ port: UInt16) -> Bool {
        switch port {
        case 21, 22, 23, 25, 53, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445, 502, 513, 514, 563, 585, 587,
            614, 631, 636, 989, 990, 992, 993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222,
            5223, 5269, 5432, 5900, 6379, 6666...6669, 8000, 8080, 8888, 20000:
            true
        default:
            false
        }
    }
}
