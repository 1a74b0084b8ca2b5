import Glibc
import TCPDoctorCapture

/// A progress line on standard error while a large capture is read, only when stderr is a terminal.
///
/// The reader reports every 65536th packet's byte offset; the line is redrawn at most five times a
/// second and erased before any warning and at the end, so that nothing of it stays in the output.
/// A class because the reader keeps the progress callback (an escaping closure).
final class CaptureProgress {
    /// Files smaller than this are read too fast to need a progress line.
    static let minimumFileSize: Int64 = 64 * 1024 * 1024

    let isEnabled: Bool
    private var file = ""
    private var size: Int64?
    private var shown = false
    private var lastDrawn: Double = 0
    private var started: Double = 0

    init(enabled: Bool) {
        isEnabled = enabled
    }

    /// Progress for standard error: on when it is a terminal.
    static func forStandardError() -> CaptureProgress {
        CaptureProgress(enabled: isatty(2) == 1)
    }

    /// Starts a file; a file below `minimumFileSize` shows no progress.
    func begin(file path: String) {
        file = path
        size = nil
        started = Self.now()
        lastDrawn = started
        guard isEnabled, path != "-" else { return }
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG { size = Int64(status.st_size) }
    }

    /// Redraws the line if a fifth of a second has passed since the last one.
    func update(byteOffset: Int64) {
        guard isEnabled else { return }
        if let size, size < Self.minimumFileSize { return }
        let now = Self.now()
        // Standard input of unknown size: only once reading has taken a second.
        if size == nil && now - started < 1 { return }
        guard now - lastDrawn >= 0.2 else { return }
        lastDrawn = now
        var line = "\r\u{1B}[K\(file): \(Self.megabytes(byteOffset)) MB"
        if let size, size > 0 {
            line += " of \(Self.megabytes(size)) MB (\(byteOffset * 100 / size)%)"
        }
        write(line)
        shown = true
    }

    /// Erases the line.
    func clear() {
        guard shown else { return }
        write("\r\u{1B}[K")
        shown = false
    }

    private func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = Glibc.write(2, base, bytes.count)
        }
    }

    private static func megabytes(_ bytes: Int64) -> Int64 { bytes / 1_000_000 }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension CaptureProgress {
    /// Hooks for `CaptureAnalysis.run`: the line follows each file and is erased before a warning.
    ///
    /// - Parameter onWarning: prints a warning, called after the line is erased.
    func observer(onWarning: @escaping (CaptureError) -> Void) -> CaptureAnalysis.Observer {
        CaptureAnalysis.Observer(
            fileStarted: { self.begin(file: $0) },
            fileFinished: { self.clear() },
            progress: isEnabled ? { self.update(byteOffset: $0) } : nil,
            warning: { warning in
                self.clear()
                onWarning(warning)
            }
        )
    }
}
