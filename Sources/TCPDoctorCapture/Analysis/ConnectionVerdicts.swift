import TCPDoctorCore

extension Connection {
    /// A CLOSE_WAIT period: the holder received its peer's FIN and had not yet closed its own side.
    public struct CloseWait: Hashable, Sendable {
        /// What ended the CLOSE_WAIT period.
        public enum End: String, Sendable, Hashable {
            /// The holder sent its FIN (the application called `close()` or `shutdown()`).
            case fin
            /// A RST from either side ended the connection.
            case reset
            /// The capture ended first: the holder was still in CLOSE_WAIT.
            case captureEnd = "capture_end"
        }

        public var side: Role
        /// From the holder's ACK of the peer's FIN, or from the peer's FIN when the holder's first
        /// acknowledgment of it was its own FIN.
        public var startNanoseconds: Int64
        /// The holder's FIN or the RST; the end of the capture when `openAtEnd`.
        public var endNanoseconds: Int64
        public var endedBy: End

        public init(side: Role, startNanoseconds: Int64, endNanoseconds: Int64, endedBy: End) {
            self.side = side
            self.startNanoseconds = startNanoseconds
            self.endNanoseconds = endNanoseconds
            self.endedBy = endedBy
        }

        /// How long the holder sat in CLOSE_WAIT (at least this long when `openAtEnd`).
        public var seconds: Double { Double(endNanoseconds - startNanoseconds) / 1e9 }
        /// Whether the holder was still in CLOSE_WAIT when the capture ended.
        public var openAtEnd: Bool { endedBy == .captureEnd }
    }

    /// Data sent by `side` after the other side's first FIN: a half-closed connection in use.
    public struct HalfClose: Hashable, Sendable {
        public var side: Role
        /// New payload bytes sent after the other side's FIN.
        public var bytes: UInt64
        /// From the other side's FIN to the last such data segment.
        public var seconds: Double

        public init(side: Role, bytes: UInt64, seconds: Double) {
            self.side = side
            self.bytes = bytes
            self.seconds = seconds
        }
    }

    /// The first RST: who sent it, in which state, and whether it answered something.
    public struct Reset: Hashable, Sendable {
        public var side: Role
        /// The sender's state when it sent the RST (CLOSED when it answered for a forgotten
        /// connection).
        public var senderState: TCPState
        /// The receiver's state when the RST arrived.
        public var receiverState: TCPState
        /// When the sender no longer had the connection: the segment event its RST answered
        /// (`receiveSYN` for a refusal, `receiveFIN` for a late FIN); nil for an abort.
        public var answered: TCPEvent?
        /// Whether both sides had sent a FIN before this RST.
        public var afterBothFINs: Bool
        public var timestampNanoseconds: Int64
        public var packetNumber: UInt64

        public init(
            side: Role,
            senderState: TCPState,
            receiverState: TCPState,
            answered: TCPEvent?,
            afterBothFINs: Bool,
            timestampNanoseconds: Int64,
            packetNumber: UInt64
        ) {
            self.side = side
            self.senderState = senderState
            self.receiverState = receiverState
            self.answered = answered
            self.afterBothFINs = afterBothFINs
            self.timestampNanoseconds = timestampNanoseconds
            self.packetNumber = packetNumber
        }

        /// Whether the RST was an abort (the sender still had the connection) rather than an answer.
        public var isAbort: Bool { answered == nil }
    }

    /// A FIN that arrived after its peer had already forgotten the connection, and met RST.
    ///
    /// The usual story: the peer closed first, its orphaned FIN_WAIT2 socket expired after
    /// `tcp_fin_timeout` (60 s by default), and the late FIN found no socket. A FIN retransmitted
    /// after the peer's 60 s TIME_WAIT ends the same way.
    public struct LateFIN: Hashable, Sendable {
        /// The side that sent the late FIN (it had been holding CLOSE_WAIT).
        public var side: Role
        /// The state in which the peer is taken to have forgotten the connection: FIN_WAIT2 or
        /// TIME_WAIT.
        public var forgottenIn: TCPState
        /// From the peer entering `forgottenIn` to the late FIN.
        public var gapNanoseconds: Int64

        public init(side: Role, forgottenIn: TCPState, gapNanoseconds: Int64) {
            self.side = side
            self.forgottenIn = forgottenIn
            self.gapNanoseconds = gapNanoseconds
        }

        public var gapSeconds: Double { Double(gapNanoseconds) / 1e9 }

        /// The Linux limit that applies: `tcp_fin_timeout`'s default in FIN_WAIT2, `TCP_TIMEWAIT_LEN`
        /// in TIME_WAIT; both are 60 s.
        public var linuxLimit: Duration {
            forgottenIn == .timeWait ? TCPStateMachine.timeWaitDuration : TCPStateMachine.defaultFinTimeout
        }

        /// Whether the gap is at least the Linux limit. When it is not, the closing host runs with a
        /// lower `tcp_fin_timeout`, or its socket was closed some other way.
        public var exceedsLinuxLimit: Bool { gapNanoseconds >= linuxLimit.nanoseconds }
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
