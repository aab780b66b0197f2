import DialGateClient
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A client connection to the daemon's socket that behaves badly on purpose: it sends without
/// reading, never blocking (so a daemon that pushes back stalls it rather than the test), or a
/// byte at a time, and watches for the daemon hanging up.
///
/// `@unchecked Sendable`: each instance is used by one thread at a time (the test hands
/// each to one client thread); its only state is the descriptor.
final class RawConnection: @unchecked Sendable {
    private let fd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(path: String) throws {
        let fd: Int32
        switch UnixSocketAddress.connect(path) {
        case .success(let connected): fd = connected
        case .failure(let error): throw Failure(description: "\(error)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends as much of `bytes` as the daemon takes within `seconds`, without ever reading.
    /// Returns how many bytes it accepted. A daemon that pushes back takes little; one that
    /// reads everything, however slowly, keeps taking for the whole time.
    func sendWithoutReading(_ bytes: [UInt8], for seconds: Double) -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { break }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&waiting, 1, Int32(left * 1000) + 1)
        }
        return offset
    }

    /// Sends one byte; `false` if the daemon has closed the connection.
    func send(byte: UInt8) -> Bool {
        var byte = byte
        return Glibc.send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) == 1
    }

    /// Waits up to `seconds` for the daemon to hang up. Returns what it wrote before (empty
    /// when it closed without a word), or `nil` if the connection is still open.
    func hangUp(within seconds: Double) -> [UInt8]? {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&waiting, 1, Int32(max(0, left) * 1000)) <= 0 { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno == ECONNRESET) { return received }
            if n > 0 { received += chunk[0..<n] }
        }
    }
}
