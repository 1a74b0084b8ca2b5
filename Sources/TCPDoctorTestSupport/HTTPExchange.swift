import Foundation
import Glibc

/// One HTTP/1.1 exchange over a real loopback TCP connection: no client library, so that the
/// test sees exactly what the server sent.
public struct HTTPExchange: Sendable {
    public var status: Int
    /// By lower-case name.
    public var headers: [String: String]
    public var body: String

    /// Sends one request and reads the response to the end of the connection (`Connection: close`).
    public static func send(
        _ method: String,
        _ path: String,
        port: UInt16,
        headers: [String: String] = [:],
        body: String = ""
    ) throws -> HTTPExchange {
        let connection = try HTTPConnection(port: port)
        try connection.write(request(method, path, headers: headers, body: body))
        return try connection.readResponse(method: method)
    }

    public static func request(
        _ method: String,
        _ path: String,
        headers: [String: String] = [:],
        body: String = ""
    ) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
        return text + "\r\n" + body
    }
}

/// A client connection to the server under test, closed when released.
public final class HTTPConnection {
    public let fd: Int32

    public init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: errno \(errno)") }
        // A guard against a hung server, not a timed assertion: a read that waits this long fails.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw FixtureError("connect to 127.0.0.1:\(port): errno \(code)")
        }
    }

    deinit { Glibc.close(fd) }

    public func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw FixtureError("write: errno \(errno)") }
            offset += written
        }
    }

    /// Reads until the server closes the connection and parses the response.
    public func readResponse(method: String = "GET") throws -> HTTPExchange {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else { throw FixtureError("read: errno \(errno) after \(bytes.count) bytes") }
            bytes += buffer[0..<count]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else {
            throw FixtureError("no end of headers in \(text.prefix(200))")
        }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw FixtureError("status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        var body = String(text[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            let start = bytes.count - text[end.upperBound...].utf8.count
            body = try String(decoding: Self.dechunk(bytes[start...]), as: UTF8.self)
        }
        return HTTPExchange(status: status, headers: headers, body: body)
    }

    /// A chunked body (RFC 9112, section 7.1) as the bytes it carries; trailers are left out.
    static func dechunk(_ bytes: ArraySlice<UInt8>) throws -> [UInt8] {
        var body: [UInt8] = []
        var index = bytes.startIndex
        while true {
            guard let lineEnd = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
                throw FixtureError("a chunk without its size line")
            }
            let line = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
            let digits = line.prefix { $0.isHexDigit }
            guard let size = Int(digits, radix: 16) else { throw FixtureError("chunk size '\(line)'") }
            index = lineEnd + 1
            if size == 0 { return body }
            guard bytes.endIndex - index >= size + 2 else { throw FixtureError("a chunk cut short") }
            body += bytes[index..<(index + size)]
            index += size + 2
        }
    }
}
