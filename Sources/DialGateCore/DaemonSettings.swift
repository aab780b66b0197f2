/// How `dialgated` runs: where it listens and keeps its files, and its limits. The `[daemon]`
/// table of the configuration; each key and default is in `docs/configuration.md`.
public struct DaemonSettings: Hashable, Sendable {
    /// The Unix socket to bind when not started by socket activation.
    public var socketPath: String
    /// Permission bits of the socket file (`0660`: the owner and its group may ask).
    public var socketMode: UInt16
    /// The group that owns the socket file, so that dialer users in it may connect; `nil`
    /// leaves the daemon's own group.
    public var socketGroup: String?
    /// The list directory (see `docs/lists.md`).
    public var listsDirectory: String
    /// Where the ledger and the audit key live.
    public var stateDirectory: String
    /// A client connection idle this long is closed.
    public var idleTimeoutSeconds: Int
    /// Connections beyond this many are refused, so a runaway dialer cannot starve others.
    public var maxConnections: Int
    /// A request line longer than this is refused (and the connection closed).
    public var maxLineBytes: Int
    /// How often the list directory is checked for changes; 0 turns polling off (reload then
    /// happens on SIGHUP or `dialgate reload` only).
    public var reloadPollSeconds: Int
    /// See `ListDirectoryLoader.maxShrink`.
    public var maxShrink: Double
    /// See `ListDirectoryLoader.maxBadLineShare`.
    public var maxBadLineShare: Double

    public init(
        socketPath: String = "/run/dialgate/dialgate.sock",
        socketMode: UInt16 = 0o660,
        socketGroup: String? = nil,
        listsDirectory: String = "/var/lib/dialgate/lists",
        stateDirectory: String = "/var/lib/dialgate",
        idleTimeoutSeconds: Int = 60,
        maxConnections: Int = 4096,
        maxLineBytes: Int = 4096,
        reloadPollSeconds: Int = 5,
        maxShrink: Double = 0.5,
        maxBadLineShare: Double = 0.01
    ) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.listsDirectory = listsDirectory
        self.stateDirectory = stateDirectory
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxLineBytes = maxLineBytes
        self.reloadPollSeconds = reloadPollSeconds
        self.maxShrink = maxShrink
        self.maxBadLineShare = maxBadLineShare
    }

    /// The loader for `listsDirectory` with these limits.
    public var listLoader: ListDirectoryLoader {
        ListDirectoryLoader(directory: listsDirectory, maxShrink: maxShrink, maxBadLineShare: maxBadLineShare)
    }
}
