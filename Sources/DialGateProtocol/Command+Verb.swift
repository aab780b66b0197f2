import DialGateCore

extension Command {
    /// The verbs of the protocol, in the order `VERSION` lists them.
    public enum Verb: String, Sendable, CaseIterable {
        case check = "CHECK", plan = "PLAN", attempt = "ATTEMPT", refusal = "REFUSAL", optOut = "OPTOUT"
        case consent = "CONSENT", revoke = "REVOKE", ping = "PING", version = "VERSION", stats = "STATS"
        case reload = "RELOAD", quit = "QUIT"

        /// The role a client needs for this verb (see `AccessSettings`); nil for the ones that
        /// reveal and change nothing.
        public var role: AccessSettings.Role? {
            switch self {
            case .check, .plan: .query
            case .attempt, .refusal, .optOut: .report
            case .consent, .revoke: .consent
            case .reload, .stats: .admin
            case .ping, .version, .quit: nil
            }
        }
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
        }
    }
}
