import TCPDoctorCapture
import TCPDoctorCore
import TCPDoctorOutput

/// `tcpdoctor capture --connections`: one row per connection, written as connections finish.
///
/// The start is the time of day in UTC with microseconds, as tcpdump prints it, so that a row can
/// be found in the capture; the summary's first line gives the date.
struct ConnectionsTable {
    private var table = StreamingTable([
        .right("#"), .left("originator"), .left("responder"), .left("start (UTC)"), .right("duration"),
        .left("ended"), .left("closer"), .left("close_wait"), .left("conn_state"), .left("history"),
        .left("completeness"), .left("tunnel"),
    ])
    private(set) var rows = 0

    mutating func append(_ connection: Connection, to out: inout OutputBuffer, style: TerminalStyle) {
        rows += 1
        table.append(
            [
                "\(rows)",
                "\(connection.originator)",
                "\(connection.responder)",
                CaptureText.timeOfDay(nanoseconds: connection.firstTimestampNanoseconds),
                CaptureText.seconds(
                    nanoseconds: connection.lastTimestampNanoseconds - connection.firstTimestampNanoseconds
                ),
                connection.ended.rawValue,
                CaptureText.closer(connection),
                CaptureText.closeWait(connection),
                connection.zeekConnState?.rawValue ?? "-",
                connection.zeekHistory ?? "-",
                CaptureText.completeness(connection),
                connection.tunnel?.description ?? "-",
            ],
            to: &out,
            style: style
        )
    }

    mutating func finish(to out: inout OutputBuffer, style: TerminalStyle) {
        table.finish(to: &out, style: style)
    }
}
