/// The tunnel that carried a TCP segment: the outer headers the decoder opened to reach it.
///
/// Named as Zeek's `Tunnel::Type` names them where Zeek has a name (`ip`, `gre`, `vxlan`, `geneve`,
/// `teredo`, `ayiya`, `gtpv1`), with the GRE variants told apart because their inner frames differ
/// (Ethernet for ERSPAN, 802.11 for Aruba, PPP for PPTP, IPv4 after a redirect header for WCCP).
/// Link-layer stacks (802.1Q/802.1ad tags, PBB, PPPoE, MPLS, VN-Tag) are no tunnel: Zeek logs no
/// tunnel for them either.
public enum Tunnel: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// IPv4 or IPv6 directly in IPv4 or IPv6 (IP protocol 4 or 41; 6in4, 4in6, IPIP).
    case ip = 1
    /// GRE (IP protocol 47) carrying IP or Ethernet (transparent Ethernet bridging, 0x6558).
    case gre
    /// GRE in UDP (RFC 8086, udp/4754).
    case greOverUDP
    /// Cisco ERSPAN type I, II (GRE 0x88be) or III (GRE 0x22eb): a mirrored Ethernet frame.
    case erspan
    /// Aruba's GRE (protocol types 0x8200 to 0x8370 and 0x9000): an 802.11 frame from an access point.
    case aruba
    /// Enhanced GRE (version 1) of PPTP: PPP inside.
    case pptp
    /// WCCP's GRE redirect (0x883e): a 4-byte redirect header, then IPv4.
    case wccp
    /// VXLAN (udp/4789): an Ethernet frame after an 8-byte header.
    case vxlan
    /// Geneve (udp/6081): an 8-byte header plus options, then Ethernet or IP.
    case geneve
    /// Teredo (udp/3544): IPv6 in UDP, after optional authentication and origin indication.
    case teredo
    /// AYIYA (udp/5072): IP after an identity and a signature.
    case ayiya
    /// GTP-U, GTP version 1 user plane (udp/2152): IP after the G-PDU header.
    case gtpv1

    /// The name in JSON and tables.
    public var description: String {
        switch self {
        case .ip: "ip"
        case .gre: "gre"
        case .greOverUDP: "gre_udp"
        case .erspan: "erspan"
        case .aruba: "aruba"
        case .pptp: "pptp"
        case .wccp: "wccp"
        case .vxlan: "vxlan"
        case .geneve: "geneve"
        case .teredo: "teredo"
        case .ayiya: "ayiya"
        case .gtpv1: "gtpv1"
        }
    }
}
