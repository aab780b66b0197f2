#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Who is on the other end of a Unix socket connection, as the kernel says (SO_PEERCRED):
/// recorded with every decision so an auditor can tell which dialer asked.
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// Reads the credentials of a connected Unix socket channel; `nil` if the kernel will not say.
    static func of(_ channel: Channel) -> EventLoopFuture<PeerCredentials?> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        return provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(PeerCredentials.soPeerCred)
        ).map { (credentials: KernelCredentials) -> PeerCredentials? in
            PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
        }.recover { _ in nil }
    }
}

extension PeerCredentials {
    /// `SO_PEERCRED`, which Glibc's Swift overlay does not export (it needs _GNU_SOURCE).
    static let soPeerCred: Int32 = 17

    /// The layout of the kernel's `struct ucred` (pid_t, uid_t, gid_t).
    struct KernelCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }
}
