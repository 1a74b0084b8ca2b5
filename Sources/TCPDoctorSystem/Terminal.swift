import Glibc
import SystemPackage

// The terminal of a full-screen view (`watch`): whether a descriptor is one, its size, its
// input modes, and signals turned into bytes on a pipe so that one poll waits for keys, signals
// and the next tick at once.

/// isatty(3): whether `fd` refers to a terminal.
package func systemIsTerminal(_ fd: Int32) -> Bool { Glibc.isatty(fd) == 1 }

/// The terminal's size from ioctl TIOCGWINSZ: (rows, columns).
///
/// A terminal that reports 0 (a serial line nobody set up) gives 0s; the caller decides a default.
package func systemTerminalSize(_ fd: Int32) -> Result<(rows: Int, columns: Int), Errno> {
    var size = winsize()
    return valueOrErrno { Glibc.ioctl(fd, UInt(TIOCGWINSZ), &size) }.map { _ in
        (Int(size.ws_row), Int(size.ws_col))
    }
}

/// tcgetattr(3): the terminal's current modes, to restore later.
package func systemTerminalModes(_ fd: Int32) -> Result<termios, Errno> {
    var modes = termios()
    return valueOrErrno { Glibc.tcgetattr(fd, &modes) }.map { _ in modes }
}

/// tcsetattr(3) with TCSADRAIN: sets the modes once the output written so far has gone out.
package func systemSetTerminalModes(_ fd: Int32, _ modes: termios) -> Result<Void, Errno> {
    var modes = modes
    return valueOrErrno { Glibc.tcsetattr(fd, TCSADRAIN, &modes) }.map { _ in () }
}

/// `modes` for key-at-a-time input: no line editing, no echo, no signals from keys (Ctrl-C
/// arrives as the byte 3, so the view can restore the terminal before it ends), no flow control;
/// a read returns as soon as one byte is there. Output processing stays on.
package func systemKeyInputModes(from modes: termios) -> termios {
    var raw = modes
    raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
    raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR | IGNCR)
    // c_cc is a tuple in Swift; VMIN and VTIME are set through a pointer to it.
    withUnsafeMutableBytes(of: &raw.c_cc) { bytes in
        bytes[Int(VMIN)] = 1
        bytes[Int(VTIME)] = 0
    }
    return raw
}

/// The write end of the signal pipe, for the handler; -1 when none is installed.
///
/// Written once by `systemSignalPipe` before any handler is installed and read by the handler
/// only, so no two threads race on it.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The handler: one byte, the signal number, on the pipe. write(2) is async-signal-safe; a full
/// pipe drops the byte, which loses nothing, since a byte of that signal is already waiting.
private func writeSignalByte(_ signal: Int32) {
    var byte = UInt8(truncatingIfNeeded: signal)
    let saved = Glibc.errno
    _ = Glibc.write(signalPipeWriteEnd, &byte, 1)
    Glibc.errno = saved
}

/// A self-pipe for `signals`: each delivery writes the signal's number as one byte, which the
/// read end (non-blocking) returns to a poll loop. Returns the read end.
///
/// For one view per process: a second call fails with EBUSY.
package func systemSignalPipe(_ signals: [Int32]) -> Result<Int32, Errno> {
    guard signalPipeWriteEnd == -1 else { return .failure(.resourceBusy) }
    let pipe: (read: Int32, write: Int32)
    switch systemPipe() {
    case .success(let ends): pipe = ends
    case .failure(let error): return .failure(error)
    }
    for end in [pipe.read, pipe.write] {
        if case .failure(let error) = systemSetNonBlocking(end) {
            closeDescriptor(pipe.read)
            closeDescriptor(pipe.write)
            return .failure(error)
        }
    }
    signalPipeWriteEnd = pipe.write
    for signal in signals {
        if case .failure(let error) = systemSetSignalHandler(signal, restart: true, { writeSignalByte($0) }) {
            return .failure(error)
        }
    }
    return systemUnblockSignals(signals).map { pipe.read }
}

/// The bytes waiting on a non-blocking descriptor, at most `limit`; empty when there are none.
///
/// - Returns: the bytes, or the `Errno` of a read that failed for another reason than EAGAIN.
///   End of file gives an empty array too; `systemPoll`'s POLLHUP tells it apart.
package func systemReadAvailable(_ fd: Int32, limit: Int = 256) -> Result<[UInt8], Errno> {
    var bytes = [UInt8](repeating: 0, count: limit)
    let result = bytes.withUnsafeMutableBytes { systemReadOnce(fd, $0) }
    switch result {
    case .success(let count): return .success(Array(bytes.prefix(count)))
    case .failure(let error) where error == .wouldBlock || error == .interrupted: return .success([])
    case .failure(let error): return .failure(error)
    }
}
