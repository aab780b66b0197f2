import DialGateClient
import DialGateTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A test-owned `NOTIFY_SOCKET`: a datagram socket that collects what the daemon tells
/// "systemd" (READY=1, STATUS=..., RELOADING=1, WATCHDOG=1, STOPPING=1).
final class NotifyListener {
    let path: String
    private let fd: Int32

    init(directory: String) throws {
        path = directory + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let bound = UnixSocketAddress.with(path) { bind(fd, $0, $1) } ?? -1
        guard bound == 0 else { throw Failure("cannot bind \(path): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    private(set) var messages: [String] = []

    /// Waits until a received message satisfies `predicate`, and returns it.
    @discardableResult
    func waitFor(timeout: Double = 30, _ predicate: (String) -> Bool) throws -> String {
        if let found = messages.first(where: predicate) { return found }
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { continue }
            let message = String(decoding: buffer[0..<n], as: UTF8.self)
            messages.append(message)
            if predicate(message) { return message }
        }
        throw Failure("no matching notification within \(timeout) s; got \(messages)")
    }
}
