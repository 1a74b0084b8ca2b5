// The `netlink` fuzz target: InetDiagDecoder over a received NETLINK_SOCK_DIAG reply.

import TCPDoctorCore

@testable import TCPDoctorLinux

/// Decodes the input as one reply, whole and message by message, with and without the optional
/// attributes. Beyond not crashing: the two readings agree (the client decodes datagram by
/// datagram with a running offset), every error offset lies inside the input, and the optional
/// attributes change what a record carries, never which records there are.
enum NetlinkTarget {
    /// What one decoding produced.
    struct Outcome: Equatable {
        var records: [SocketRecord] = []
        var progress = InetDiagDecoder.Progress()
        var error: NetlinkReplyError?
    }

    static let base = 4096

    static func run(_ bytes: UnsafeRawBufferPointer) {
        for options in [
            InetDiagDecoder.Options(),
            InetDiagDecoder.Options(includeInfo: true, includeShutdown: true, sequence: 1, netns: 9),
        ] {
            let whole = decode(bytes, options)
            if let error = whole.error, !(base...(base + bytes.count)).contains(error.offset) {
                fail("error offset \(error.offset) outside the reply's \(bytes.count) bytes at \(base): \(error)")
            }
            if whole.error == nil && whole.progress.records != whole.records.count {
                fail("progress counts \(whole.progress.records) records, the body got \(whole.records.count)")
            }
            let split = decodeMessageByMessage(bytes, options)
            if split != whole {
                fail("whole and message-by-message decodings differ:\n\(whole)\n\(split)")
            }
        }
        let plain = decode(bytes, InetDiagDecoder.Options(sequence: 1))
        let full = decode(bytes, InetDiagDecoder.Options(includeInfo: true, includeShutdown: true, sequence: 1))
        let stripped = full.records.map { record in
            var record = record
            record.tcpInfo = nil
            record.shutdown = nil
            return record
        }
        let shorter = min(plain.records.count, stripped.count)
        if plain.records.prefix(shorter) != stripped.prefix(shorter) {
            fail("decoding tcp_info and shutdown changed the records themselves")
        }
        if full.error == nil && plain.error != nil {
            fail("the reply is bad without the optional attributes only: \(String(describing: plain.error))")
        }
    }

    /// The one call into the decoder.
    static func decode(_ bytes: UnsafeRawBufferPointer, _ options: InetDiagDecoder.Options) -> Outcome {
        var outcome = Outcome()
        do {
            outcome.progress = try InetDiagDecoder.decode(bytes, options: options, baseOffset: base) {
                outcome.records.append($0)
            }
        } catch {
            outcome.error = error
        }
        return outcome
    }

    /// Decodes each message (as its `nlmsg_len` says, aligned) as a datagram of its own, as
    /// SockDiagClient does with datagrams, stopping at `NLMSG_DONE` or the first error.
    static func decodeMessageByMessage(
        _ bytes: UnsafeRawBufferPointer,
        _ options: InetDiagDecoder.Options
    )
        -> Outcome
    {
        var outcome = Outcome()
        var offset = 0
        while offset < bytes.count {
            var end = bytes.count
            if bytes.count - offset >= 16 {
                let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                if length >= 16 && length <= bytes.count - offset { end = min(bytes.count, offset + (length + 3) & ~3) }
            }
            let datagram = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
            do {
                let progress = try InetDiagDecoder.decode(datagram, options: options, baseOffset: base + offset) {
                    outcome.records.append($0)
                }
                outcome.progress.merge(progress)
            } catch {
                // As the whole decoding: records up to the fault, no progress.
                outcome.error = error
                outcome.progress = InetDiagDecoder.Progress()
                return outcome
            }
            if outcome.progress.finished { return outcome }
            offset = end
        }
        return outcome
    }
}
