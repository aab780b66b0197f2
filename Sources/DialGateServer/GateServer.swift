#if canImport(Glibc)
import Glibc
#endif
import DialGateAudit
import DialGateClient
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Where the server listens: a socket systemd handed over (socket activation), or a path it
/// binds itself when started by hand.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    case inherited(descriptor: Int32)
    /// A path, its permission bits, and the group dialers belong to.
    case path(String, mode: UInt32, group: String?)

    public var description: String {
        switch self {
        case .inherited(let descriptor): "socket inherited from systemd (fd \(descriptor))"
        case .path(let path, let mode, let group): "\(path) (mode \(String(mode, radix: 8)), group \(group ?? "unchanged"))"
        }
    }
}

/// Limits that keep one misbehaving client from hurting the others.
public struct ConnectionLimits: Sendable {
    public var maxConnections: Int
    /// Connections of one user (SO_PEERCRED uid, root included) beyond this are refused, so
    /// one runaway dialer cannot take every slot from the others.
    public var maxConnectionsPerUID: Int
    public var maxLineBytes: Int
    /// A connection that completes no request for this long (and has no answer pending) is closed.
    public var idleTimeout: TimeAmount
    public var maxQueuedRequests: Int
    /// Answers a connection may hold unsent before it stops reading and answering: past the
    /// high mark the channel is not writable, below the low mark it is again. With the
    /// request queue and one read's worth of input, this bounds a connection's memory.
    public var writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark
    /// At most this much is read from a connection at a time (one read, then the pipeline
    /// runs): a burst of pipelined requests read at once is queued whole even when the
    /// client does not read its answers, so this bounds the queue (16 KiB: some 3,000 PINGs).
    public var maxBytesPerRead: Int
    /// How long in-flight requests may take to finish at shutdown before connections are cut:
    /// each pipelined decision waits for journald, which a loaded machine slows (10 s cut 2,000
    /// of them short under the full test run); well within systemd's 90 s stop timeout.
    public var drainTimeout: TimeAmount

    public init(
        maxConnections: Int = 4096, maxConnectionsPerUID: Int = 1024, maxLineBytes: Int = 4096,
        idleTimeout: TimeAmount = .seconds(60), maxQueuedRequests: Int = 1024,
        writeBufferWaterMark: ChannelOptions.Types.WriteBufferWaterMark = .init(low: 32 * 1024, high: 64 * 1024),
        maxBytesPerRead: Int = 16 * 1024, drainTimeout: TimeAmount = .seconds(30)
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerUID = maxConnectionsPerUID
        self.maxLineBytes = maxLineBytes
        self.idleTimeout = idleTimeout
        self.maxQueuedRequests = maxQueuedRequests
        self.writeBufferWaterMark = writeBufferWaterMark
        self.maxBytesPerRead = maxBytesPerRead
        self.drainTimeout = drainTimeout
    }
}

/// Why the server could not start listening.
public struct ListenError: Error, CustomStringConvertible {
    public var description: String
}

/// The Unix-socket server: accepts connections and gives each a line decoder and a
/// `ConnectionHandler`. On graceful shutdown it stops accepting, lets every connection answer
/// what it already received, then closes them.
public final class GateServer: Service, Sendable {
    private let group: EventLoopGroup
    private let address: ListenAddress
    private let responder: RequestResponder
    private let limits: ConnectionLimits
    private let logger: Logger
    private let connectionsChanged: @Sendable (Int) -> Void
    private let errorAnswered: @Sendable (String) -> Void
    private let onListening: @Sendable () async -> Void
    private let state = Mutex(State())

    private struct State {
        var listener: Channel?
        var connections: [ObjectIdentifier: Channel] = [:]
        /// Open connections of each peer uid.
        var connectionsByUID: [UInt32: Int] = [:]
    }

    /// Whether a new connection is served, or why not.
    private enum Admission {
        case admitted
        case overGlobalLimit
        case overLimitOfUID(UInt32)
    }

    public init(
        group: EventLoopGroup, address: ListenAddress, responder: RequestResponder, limits: ConnectionLimits,
        connectionsChanged: @escaping @Sendable (Int) -> Void = { _ in },
        errorAnswered: @escaping @Sendable (String) -> Void = { _ in }, logger: Logger, onListening: @escaping @Sendable () async -> Void = {}
    ) {
        self.connectionsChanged = connectionsChanged
        self.errorAnswered = errorAnswered
        self.onListening = onListening
        self.group = group
        self.address = address
        self.responder = responder
        self.limits = limits
        self.logger = logger
    }

    /// Open connections now.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Starts listening; `run` calls it, then `onListening` (where the daemon says READY=1).
    func bind() async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: limits.writeBufferWaterMark)
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(
                    minimum: 64, initial: min(2048, limits.maxBytesPerRead), maximum: limits.maxBytesPerRead))
            .childChannelInitializer { [self] channel in
                self.initialize(channel)
            }
        let listener: Channel
        switch address {
        case .inherited(let descriptor):
            listener = try await bootstrap.withBoundSocket(descriptor).get()
        case .path(let path, let mode, let group):
            try Self.prepare(path: path)
            listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            try Self.setPermissions(path: path, mode: mode, group: group)
        }
        state.withLock { $0.listener = listener }
        logger.info("listening", metadata: ["address": "\(address)"])
    }

    public func run() async throws {
        try await bind()
        await onListening()
        await withGracefulShutdownHandler {
            // Parks until shutdown; the listener's close future ends when it is closed.
            try? await self.state.withLock { $0.listener }?.closeFuture.get()
        } onGracefulShutdown: {
            self.state.withLock { $0.listener }?.close(promise: nil)
        }
        await drain()
    }

    /// Asks every connection to finish what it has and close, then cuts whatever is left
    /// after the drain timeout.
    private func drain() async {
        let connections = state.withLock { Array($0.connections.values) }
        for channel in connections {
            channel.pipeline.fireUserInboundEventTriggered(ShutdownEvent())
        }
        let deadline = NIODeadline.now() + limits.drainTimeout
        while NIODeadline.now() < deadline, connectionCount > 0 {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for channel in state.withLock({ Array($0.connections.values) }) {
            try? await channel.close()
        }
        if case .path(let path, _, _) = address { unlink(path) }
    }

    /// Admits the connection (global and per-uid limits, the uid from SO_PEERCRED) and sets
    /// up its pipeline, or answers it `ERR overload`.
    private func initialize(_ channel: Channel) -> EventLoopFuture<Void> {
        PeerCredentials.of(channel).flatMapThrowing { peer in
            try self.initialize(channel, peer: peer)
        }
    }

    private func initialize(_ channel: Channel, peer: PeerCredentials?) throws {
        let id = ObjectIdentifier(channel)
        let admission = state.withLock { state -> Admission in
            guard state.connections.count < limits.maxConnections else { return .overGlobalLimit }
            if let uid = peer?.uid {
                let open = state.connectionsByUID[uid, default: 0]
                guard open < limits.maxConnectionsPerUID else { return .overLimitOfUID(uid) }
                state.connectionsByUID[uid] = open + 1
            }
            state.connections[id] = channel
            return .admitted
        }
        let pipeline = channel.pipeline.syncOperations
        switch admission {
        case .overGlobalLimit:
            try pipeline.addHandler(RefusingHandler(message: "too many connections"))
            return
        case .overLimitOfUID(let uid):
            try pipeline.addHandler(
                RefusingHandler(
                    message: "too many connections from uid \(uid) (max-connections-per-uid \(limits.maxConnectionsPerUID))"))
            return
        case .admitted:
            break
        }
        connectionsChanged(1)
        channel.closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }
            self.connectionsChanged(-1)
            self.state.withLock { state in
                state.connections.removeValue(forKey: id)
                if let uid = peer?.uid {
                    let open = state.connectionsByUID[uid, default: 1] - 1
                    state.connectionsByUID[uid] = open > 0 ? open : nil
                }
            }
        }
        try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLength: limits.maxLineBytes)))
        try pipeline.addHandler(
            ConnectionHandler(
                responder: responder, peer: peer, maxQueued: limits.maxQueuedRequests, idleTimeout: limits.idleTimeout,
                errorAnswered: errorAnswered))
    }

    /// Creates the socket's directory, and removes a stale socket file left by a crash; refuses
    /// to start if another daemon still answers on it.
    static func prepare(path: String) throws {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty {
            do {
                try DurableFile.makeDirectories(directory)
            } catch {
                throw ListenError(description: "\(error)")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ListenError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        if isListening(path) {
            throw ListenError(description: "another process is listening on \(path)")
        }
        unlink(path)
    }

    static func isListening(_ path: String) -> Bool {
        guard case .success(let fd) = UnixSocketAddress.connect(path) else { return false }
        close(fd)
        return true
    }

    static func setPermissions(path: String, mode: UInt32, group: String?) throws {
        if let group {
            guard let entry = getgrnam(group) else { throw ListenError(description: "unknown group '\(group)'") }
            guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                throw ListenError(description: "cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw ListenError(description: "cannot chmod \(path): \(String(cString: strerror(errno)))")
        }
    }
}
