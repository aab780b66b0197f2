/// How `dialgated` runs: where it listens and keeps its files, and its limits. The `[daemon]`
/// table of the configuration; each key and default is in `docs/configuration.md`.
public struct DaemonSettings: Hashable, Sendable {
    /// The Unix socket to bind when not started by socket activation.
    public var socket: String
    /// Permission bits of the socket file (`0660`: the owner and its group may ask).
    public var socketMode: UInt32
    /// The group that owns the socket file, so that dialer users in it may connect; `nil`
    /// leaves the daemon's own group.
    public var socketGroup: String?
    /// The list directory (see `docs/lists.md`).
    public var lists: String
    /// Where the ledger and the audit key live.
    public var state: String
    /// A client connection that completes no request for this long is closed.
    public var idleTimeoutSeconds: Int
    /// Connections beyond this many are refused, so a runaway dialer cannot starve others.
    public var maxConnections: Int
    /// Connections of one user (the peer's uid, root included) beyond this many are refused,
    /// so one runaway dialer cannot take every connection slot from the others.
    public var maxConnectionsPerUID: Int
    /// A request line longer than this is refused (and the connection closed).
    public var maxLineBytes: Int
    /// How often the list directory is checked for changes; 0 turns polling off (reload then
    /// happens on SIGHUP or `dialgate reload` only).
    public var reloadPollSeconds: Double
    /// See `ListDirectoryLoader.maxShrink`.
    public var maxShrink: Double
    /// See `ListDirectoryLoader.maxBadLineShare`.
    public var maxBadLineShare: Double

    public init(
        socket: String = "/run/dialgate/dialgate.sock",
        socketMode: UInt32 = 0o660,
        socketGroup: String? = nil,
        lists: String = "/var/lib/dialgate/lists",
        state: String = "/var/lib/dialgate",
        idleTimeoutSeconds: Int = 60,
        maxConnections: Int = 4096,
        maxConnectionsPerUID: Int = 1024,
        maxLineBytes: Int = 4096,
        reloadPollSeconds: Double = 5,
        maxShrink: Double = 0.5,
        maxBadLineShare: Double = 0.01
    ) {
        self.socket = socket
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.lists = lists
        self.state = state
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxConnectionsPerUID = maxConnectionsPerUID
        self.maxLineBytes = maxLineBytes
        self.reloadPollSeconds = reloadPollSeconds
        self.maxShrink = maxShrink
        self.maxBadLineShare = maxBadLineShare
    }
}
