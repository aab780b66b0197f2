#if canImport(Glibc)
import Glibc
#endif

/// A Unix-domain socket path as the socket calls take it (`sockaddr_un`): one place that
/// checks the length and lays out the bytes, for the client, the server's "is another daemon
/// there?" probe and the tests.
public enum UnixSocketAddress {
    /// The longest path `sun_path` holds with its terminating NUL (107 bytes on Linux).
    public static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Calls `body` with the address of `path` and its length, or returns nil when the path is
    /// too long to be one.
    public static func with<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathBytes else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// Connects a new socket of `type` (SOCK_STREAM, SOCK_DGRAM) to `path`; the descriptor, or
    /// the errno that refused it (ENAMETOOLONG for a path too long).
    public static func connect(_ path: String, type: Int32 = Int32(SOCK_STREAM.rawValue)) -> Result<Int32, UnixSocketError> {
        let fd = socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(UnixSocketError(call: "socket", path: path, errno: errno)) }
        let result = with(path) { Glibc.connect(fd, $0, $1) } ?? { errno = ENAMETOOLONG; return -1 }()
        guard result == 0 else {
            let error = UnixSocketError(call: "connect", path: path, errno: errno)
            close(fd)
            return .failure(error)
        }
        return .success(fd)
    }
}

/// A socket call on a Unix-socket path failed.
public struct UnixSocketError: Error, CustomStringConvertible {
    public var call: String
    public var path: String
    public var errno: Int32

    public var description: String {
        call == "connect" ? "cannot connect to \(path): \(String(cString: strerror(errno)))"
            : "\(call) \(path): \(String(cString: strerror(errno)))"
    }
}
