import DialGateCore

extension Command {
    /// The verbs of the protocol, in the order `VERSION` lists them.
    public enum Verb: String, Sendable, CaseIterable {
        case check = "CHECK", plan = "PLAN", attempt = "ATTEMPT", refusal = "REFUSAL", optOut = "OPTOUT"
        case consent = "CONSENT", revoke = "REVOKE", release = "RELEASE", ping = "PING", version = "VERSION"
        case stats = "STATS", reload = "RELOAD", quit = "QUIT"

        /// The role a client needs for this verb (see `AccessSettings`); nil for the ones that
        /// reveal and change nothing.
        public var role: AccessSettings.Role? {
            switch self {
            case .check, .plan: .query
            case .attempt, .refusal, .optOut, .release: .report
            case .consent, .revoke: .consent
            case .reload, .stats: .admin
            case .ping, .version, .quit: nil
            }
        }

        /// Whether the verb writes to the ledger: its answer waits for the fdatasync, and the
        /// requests after it that read the ledger wait for it (see Protocol.md).
        public var isLedgerWrite: Bool {
            switch self {
            case .attempt, .refusal, .optOut, .consent, .revoke, .release: true
            default: false
            }
        }

        /// Whether the verb takes a client key (`key=`): the writes, and CHECK, whose key names
        /// the reservation an ALLOW takes.
        public var takesKey: Bool { isLedgerWrite || self == .check }
    }

    /// This command's verb.
    public var verb: Verb {
        switch self {
        case .check: .check
        case .plan: .plan
        case .attempt: .attempt
        case .refusal: .refusal
        case .optOut: .optOut
        case .consent: .consent
        case .revoke: .revoke
        case .ping: .ping
        case .version: .version
        case .stats: .stats
        case .reload: .reload
        case .quit: .quit
        case .release: .release
        }
    }
}
