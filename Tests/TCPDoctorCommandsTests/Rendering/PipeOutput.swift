import Glibc
import TCPDoctorOutput
import Testing

/// What `body` writes to the write end of a real pipe (it must write less than the pipe holds
/// and release its `OutputBuffer` before it returns, which flushes it).
func pipeOutput(_ body: (Int32) -> Void) -> [UInt8] {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else {
        Issue.record("pipe failed: errno \(errno)")
        return []
    }
    defer { close(ends[0]) }
    body(ends[1])
    close(ends[1])
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(ends[0], &chunk, chunk.count)
        guard count > 0 else { break }
        bytes += chunk[..<count]
    }
    return bytes
}
