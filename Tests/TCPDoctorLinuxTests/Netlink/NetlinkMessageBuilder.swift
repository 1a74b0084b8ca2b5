/// Builds netlink messages byte by byte for the bad-input tables (little-endian host order, as
/// on the machines tcpdoctor runs on).
enum NetlinkMessageBuilder {
    static func u16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func i32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    /// A `nlmsghdr` with `payload`; `length` overrides `nlmsg_len` (default: 16 + payload).
    static func message(
        type: UInt16,
        flags: UInt16 = 2,
        sequence: UInt32 = 7,
        length: UInt32? = nil,
        payload: [UInt8]
    ) -> [UInt8] {
        let padding = [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
        return u32(length ?? UInt32(16 + payload.count)) + u16(type) + u16(flags) + u32(sequence) + u32(0)
            + payload + (length == nil ? padding : [])
    }

    /// A 72-byte `inet_diag_msg` for an IPv4 socket 10.0.0.1:80 -> 10.0.0.2:40000.
    static func inetDiagMessage(family: UInt8 = 2, state: UInt8 = 8, timer: UInt8 = 0) -> [UInt8] {
        var bytes = [family, state, timer, 0]
        bytes += [0x00, 0x50, 0x9c, 0x40]  // be16 80, be16 40000
        bytes += [10, 0, 0, 1] + [UInt8](repeating: 0, count: 12)
        bytes += [10, 0, 0, 2] + [UInt8](repeating: 0, count: 12)
        bytes += u32(0)  // idiag_if
        bytes += u32(0x1122_3344) + u32(0x0000_0005)  // cookie low, high
        bytes += u32(1500) + u32(1) + u32(2) + u32(1000) + u32(777)  // expires rq wq uid inode
        return bytes
    }

    /// A `struct rtattr` with `payload`; `length` overrides `rta_len`.
    static func attribute(type: UInt16, length: UInt16? = nil, payload: [UInt8]) -> [UInt8] {
        let padding = [UInt8](repeating: 0, count: (4 - payload.count % 4) % 4)
        return u16(length ?? UInt16(4 + payload.count)) + u16(type) + payload + padding
    }

    static func done(error: Int32 = 0, sequence: UInt32 = 7) -> [UInt8] {
        message(type: 3, sequence: sequence, payload: i32(error))
    }

    /// `NLMSG_ERROR` with `struct nlmsgerr` (error, then the request's header).
    static func error(_ code: Int32, sequence: UInt32 = 7) -> [UInt8] {
        message(type: 2, flags: 0, sequence: sequence, payload: i32(code) + [UInt8](repeating: 0, count: 16))
    }

    static func socket(
        state: UInt8 = 8,
        attributes: [UInt8] = [],
        sequence: UInt32 = 7,
        flags: UInt16 = 2
    ) -> [UInt8] {
        message(type: 20, flags: flags, sequence: sequence, payload: inetDiagMessage(state: state) + attributes)
    }
}
