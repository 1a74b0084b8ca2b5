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

    /// Whether the decoder understands this link type.
    public var isSupported: Bool {
        switch rawValue {
        case 0, 1, 12, 14, 101, 108, 113, 228, 229, 276: true
        default: false
        }
    }

    /// The tcpdump.org name without its `LINKTYPE_` prefix, or the number for types not decoded here.
    public var description: String {
        switch rawValue {
        case 0: "NULL"
        case 1: "ETHERNET"
        case 12, 14, 101: "RAW"
        case 105: "IEEE802_11"
        case 108: "LOOP"
        case 113: "LINUX_SLL"
        case 127: "IEEE802_11_RADIOTAP"
        case 228: "IPV4"
        case 229: "IPV6"
        case 276: "LINUX_SLL2"
        default: "\(rawValue)"
        }
    }
}
