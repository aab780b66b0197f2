
/// The daemon's configuration, as read from a TOML file (`/etc/dialgate/dialgate.toml`) by
/// DialGateConfig (`Configuration.load(path:)`); a plain value here, so the domain knows no
/// file format.
///
/// Every key has a safe default except what only the operator can know (campaigns). Unknown
/// keys are errors, because a misspelt key silently ignored would leave a rule at a value the
/// operator thinks they changed. Relative paths are resolved against the file's directory.
/// Keys and defaults are documented in `docs/configuration.md`.
public struct Configuration: Hashable, Sendable {
    public var daemon: DaemonSettings
    public var policy: PolicySettings
    public var campaigns: [Campaign]
    public var audit: AuditSettings
    public var access: AccessSettings

    public init(
        daemon: DaemonSettings = DaemonSettings(), policy: PolicySettings = PolicySettings(), campaigns: [Campaign] = [],
        audit: AuditSettings = AuditSettings(), access: AccessSettings = AccessSettings()
    ) {
        self.daemon = daemon
        self.policy = policy
        self.campaigns = campaigns
        self.audit = audit
        self.access = access
    }

    /// The campaign with this id, if declared.
    public func campaign(id: String) -> Campaign? { campaigns.first { $0.id == id } }
}
