/// A link-layer header type as stored in pcap and pcapng files (the tcpdump.org `LINKTYPE_` values).
///
/// A struct rather than an enum because files carry any 16-bit value and the reader must pass
/// unknown ones through to say which type it met.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `LINKTYPE_NULL`: BSD loopback, a 4-byte address family in the byte order of the writing host.
    public static let null = LinkType(rawValue: 0)
    /// `LINKTYPE_ETHERNET` (`DLT_EN10MB`): Ethernet II, possibly with 802.1Q / 802.1ad tags.
    public static let ethernet = LinkType(rawValue: 1)
    /// `DLT_RAW` as numbered on most BSDs: raw IPv4 or IPv6 (files that kept the DLT value).
    public static let rawBSD = LinkType(rawValue: 12)
    /// `DLT_RAW` as numbered on OpenBSD: raw IPv4 or IPv6.
    public static let rawOpenBSD = LinkType(rawValue: 14)
    /// `LINKTYPE_RAW`: raw IPv4 or IPv6, told apart by the version nibble.
    public static let raw = LinkType(rawValue: 101)
    /// `LINKTYPE_LOOP`: OpenBSD loopback, a 4-byte address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    /// `LINKTYPE_LINUX_SLL`: Linux "cooked" capture v1, what `tcpdump -i any` wrote before v2.
    public static let linuxSLL = LinkType(rawValue: 113)
    /// `LINKTYPE_IPV4`: raw IPv4 only.
    public static let ipv4 = LinkType(rawValue: 228)
    /// `LINKTYPE_IPV6`: raw IPv6 only.
    public static let ipv6 = LinkType(rawValue: 229)
    /// `LINKTYPE_LINUX_SLL2`: Linux "cooked" capture v2, with the interface index.
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// `LINKTYPE_ARCNET_BSD`: ARCNET as BSD writes it (RFC 1051 or RFC 1201 headers).
    public static let arcnetBSD = LinkType(rawValue: 7)
    /// `LINKTYPE_PPP`: PPP, with or without HDLC-like framing bytes.
    public static let ppp = LinkType(rawValue: 9)
    /// `LINKTYPE_PPP_HDLC` ("PPP serial"): PPP in HDLC-like framing, or Cisco HDLC.
    public static let pppHDLC = LinkType(rawValue: 50)
    /// `LINKTYPE_IEEE802_11`: 802.11 frames without radio information.
    public static let ieee80211 = LinkType(rawValue: 105)
    /// `LINKTYPE_IEEE802_11_RADIOTAP`: 802.11 frames after a radiotap header.
    public static let ieee80211Radiotap = LinkType(rawValue: 127)
    /// `LINKTYPE_ARCNET_LINUX`: ARCNET as Linux writes it (an offset field, reassembled packets).
    public static let arcnetLinux = LinkType(rawValue: 129)
    /// `LINKTYPE_JUNIPER_ETHER`: Ethernet after Juniper's "MGC" header.
    public static let juniperEthernet = LinkType(rawValue: 178)
    /// `LINKTYPE_IPOIB`: IP over InfiniBand after a 44-byte address and protocol header.
    public static let ipOverInfiniBand = LinkType(rawValue: 242)

    /// Whether the decoder understands this link type.
    public var isSupported: Bool {
        switch rawValue {
        case 0, 1, 7, 9, 12, 14, 50, 101, 105, 108, 113, 127, 129, 178, 228, 229, 242, 276: true
        default: false
        }
    }

    /// The tcpdump.org name without its `LINKTYPE_` prefix, or the number for types not decoded here.
    public var description: String {
        switch rawValue {
        case 0: "NULL"
        case 1: "ETHERNET"
        case 7: "ARCNET_BSD"
        case 9: "PPP"
        case 50: "PPP_HDLC"
        case 12, 14, 101: "RAW"
        case 105: "IEEE802_11"
        case 108: "LOOP"
        case 113: "LINUX_SLL"
        case 127: "IEEE802_11_RADIOTAP"
        case 129: "ARCNET_LINUX"
        case 178: "JUNIPER_ETHER"
        case 228: "IPV4"
        case 229: "IPV6"
        case 242: "IPOIB"
        case 276: "LINUX_SLL2"
        default: "\(rawValue)"
        }
    }
}
