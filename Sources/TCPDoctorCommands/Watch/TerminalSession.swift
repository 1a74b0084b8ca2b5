import Glibc
import TCPDoctorSystem

/// The terminal while `watch` draws on it: the alternate screen, a hidden cursor, key-at-a-time
/// input without echo, and the stopping signals turned into bytes on a pipe.
///
/// `restore()` (also run by `deinit`) puts back the cursor, the main screen and the saved modes,
/// so that q, Ctrl-C, SIGTERM, SIGHUP and any error thrown through the screen's loop all leave
/// the terminal as it was.
final class TerminalSession {
    /// The descriptor keys are read from.
    let input: Int32 = 0
    /// The descriptor the screen is drawn on.
    let output: Int32 = 1
    /// The read end of the signal pipe: one byte per signal, its number.
    let signals: Int32
    private let saved: termios
    private var restored = false

    /// The signals that end the view (after restoring) or redraw it (SIGWINCH).
    static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH]

    /// Takes over the terminal.
    ///
    /// - Throws: `CommandFailure` when the terminal's modes cannot be read or set.
    init() throws(CommandFailure) {
        switch systemTerminalModes(input) {
        case .success(let modes): saved = modes
        case .failure(let error):
            throw CommandFailure(ExitStatus.systemUnreadable, "cannot read the terminal's modes: \(error)")
        }
        switch systemSignalPipe(Self.handled) {
        case .success(let fd): signals = fd
        case .failure(let error):
            throw CommandFailure(ExitStatus.systemUnreadable, "cannot set up the signals of the screen: \(error)")
        }
        if case .failure(let error) = systemSetTerminalModes(input, systemKeyInputModes(from: saved)) {
            throw CommandFailure(ExitStatus.systemUnreadable, "cannot set the terminal's modes: \(error)")
        }
        // Alternate screen, hidden cursor, cleared.
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    deinit { restore() }

    /// The cursor, the main screen and the saved modes back; once, however often it is called.
    func restore() {
        guard !restored else { return }
        restored = true
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        _ = systemSetTerminalModes(input, saved)
    }

    /// The terminal's size; 24 x 80 when it reports none.
    var size: (rows: Int, columns: Int) {
        guard case .success(let size) = systemTerminalSize(output), size.rows > 0, size.columns > 0 else {
            return (24, 80)
        }
        return size
    }

    /// Writes `text` whole; a terminal that went away (EIO after SIGHUP) drops it.
    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = systemWriteAll(output, UnsafeRawBufferPointer(bytes)) }
    }

    /// What happened while waiting at most `timeout` seconds (nil: until something happens).
    enum Event {
        case keys([UInt8])
        case signal(Int32)
        /// The terminal closed (end of input, or POLLHUP).
        case hangUp
        case timeout
    }

    /// Waits for keys, a signal or the timeout; signals come first.
    func wait(timeout: Double?) -> [Event] {
        var entries = [
            pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
            pollfd(fd: input, events: Int16(POLLIN), revents: 0),
        ]
        let milliseconds = timeout.map { Int32(max(0, min($0 * 1000, 60_000)).rounded(.up)) } ?? -1
        guard case .success(let ready) = systemPoll(&entries, timeout: milliseconds), ready > 0 else {
            return [.timeout]
        }
        var events: [Event] = []
        if entries[0].revents & Int16(POLLIN) != 0, case .success(let bytes) = systemReadAvailable(signals) {
            events += bytes.map { .signal(Int32($0)) }
        }
        let keys = entries[1].revents
        if keys & Int16(POLLIN) != 0 {
            switch systemReadAvailable(input) {
            case .success(let bytes) where !bytes.isEmpty: events.append(.keys(bytes))
            default: events.append(.hangUp)
            }
        } else if keys & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
            events.append(.hangUp)
        }
        return events
    }
}
