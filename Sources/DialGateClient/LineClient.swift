#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking client of the daemon's Unix socket: sends request lines, reads answer
/// lines. What a shell hook does with socat, for the `dialgate` command and the tests.
public final class LineClient {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0

    /// Connects to the socket at `path`.
    public init(path: String) throws {
        // The descriptor is stored only once connected: a failed init must not leave it to
        // `deinit`, which would close it a second time, by then perhaps another thread's.
        switch UnixSocketAddress.connect(path) {
        case .success(let fd): self.fd = fd
        case .failure(let error): throw Failure(description: "\(error)")
        }
    }

    deinit { close(fd) }

    /// Sends raw bytes as they are (the caller adds newlines).
    public func send(_ text: String) throws {
        try sendBytes(Array(text.utf8))
    }

    public func sendBytes(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Closes the sending side, as a client does when it has nothing more to ask.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads one answer line, without its newline; `nil` when the daemon closed the connection.
    public func readLine() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                if start > 65536 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "recv: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    /// Sends one request line and reads its answer.
    public func ask(_ request: String) throws -> String {
        try send(request + "\n")
        guard let line = try readLine() else { throw Failure(description: "the daemon closed the connection") }
        return line
    }
}
