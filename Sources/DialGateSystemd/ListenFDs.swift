import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The listening sockets systemd passed to the daemon (socket activation).
///
/// systemd hands them over as file descriptors 3, 4, … in the order of the socket unit's
/// `Listen…=` lines, each with the name of `FileDescriptorName=` (the socket unit's name when
/// unset). The daemon must also run without them, binding its own socket when started by hand.
public struct ListenFDs: Sendable, Equatable {
    /// One inherited descriptor and the name systemd gave it.
    public struct Descriptor: Sendable, Equatable {
        /// The file descriptor number, 3 or more; the daemon owns it from now on.
        public let fd: Int32
        /// `FileDescriptorName=`, or "unknown" when systemd passed no names.
        public let name: String

        /// A descriptor as systemd passes it.
        public init(fd: Int32, name: String) {
            self.fd = fd
            self.name = name
        }
    }

    /// The kinds of socket `isUnixSocket` can check for.
    public enum SocketType: Sendable {
        /// SOCK_STREAM: the daemon's query socket.
        case stream
        /// SOCK_DGRAM.
        case datagram
        /// Any type.
        case any
    }

    /// The inherited descriptors, in unit order; empty when not socket-activated.
    public let descriptors: [Descriptor]

    /// Inherited descriptors as given; `takeInherited()` is the way to get the real ones.
    public init(descriptors: [Descriptor]) {
        self.descriptors = descriptors
    }

    /// Takes the descriptors systemd passed to this process, and removes `LISTEN_PID`,
    /// `LISTEN_FDS` and `LISTEN_FDNAMES` from the environment so no child process believes
    /// they are its own. Call once, at start: a second call finds nothing.
    ///
    /// The descriptors get FD_CLOEXEC. An environment meant for another process (its
    /// `LISTEN_PID` is not ours) gives no descriptor.
    public static func takeInherited() throws(SystemdError) -> ListenFDs {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = try SystemdError.check(sd_listen_fds_with_names(1, &names), "sd_listen_fds_with_names")
        defer {
            // The names are a NULL-terminated strv the caller frees, strings and array alike.
            if let names {
                var index = 0
                while let name = names[index] {
                    free(name)
                    index += 1
                }
                free(names)
            }
        }
        let descriptors = (0..<count).map { index in
            Descriptor(
                fd: SD_LISTEN_FDS_START + index,
                name: names?[Int(index)].map { String(cString: $0) } ?? "unknown"
            )
        }
        return ListenFDs(descriptors: descriptors)
    }

    /// The descriptors systemd named `name` (`FileDescriptorName=`), in unit order.
    public func descriptors(named name: String) -> [Int32] {
        descriptors.filter { $0.name == name }.map(\.fd)
    }

    /// Whether `fd` is an AF_UNIX socket of `type`, listening or not as asked (nil: either),
    /// bound to `path` when given: a check before serving on a descriptor of unknown origin.
    ///
    /// - Throws: `SystemdError.failed` when `fd` is not an open descriptor.
    public static func isUnixSocket(
        _ fd: Int32,
        type: SocketType = .stream,
        listening: Bool? = true,
        path: String? = nil
    ) throws(SystemdError) -> Bool {
        let socketType: Int32
        switch type {
        case .stream: socketType = Int32(SOCK_STREAM.rawValue)
        case .datagram: socketType = Int32(SOCK_DGRAM.rawValue)
        case .any: socketType = 0
        }
        let listeningFlag: Int32 = listening.map { $0 ? 1 : 0 } ?? -1
        let result: Int32
        if let path {
            // length 0: the path is NUL-terminated.
            result = sd_is_socket_unix(fd, socketType, listeningFlag, path, 0)
        } else {
            result = sd_is_socket_unix(fd, socketType, listeningFlag, nil, 0)
        }
        return try SystemdError.check(result, "sd_is_socket_unix") > 0
    }
}
