/// Who may do what over the socket: the `[access]` table of the configuration.
///
/// Being able to connect (the socket's group) is not enough to change what the gate knows: a
/// dialer that could write a consent could turn its own `DENY no-consent` into an ALLOW. Each
/// command needs a role, and each role lists the users and groups that hold it, matched against
/// the peer's credentials as the kernel gives them (SO_PEERCRED), never against anything the
/// client says. Root holds every role.
public struct AccessSettings: Hashable, Sendable {
    /// What a client may do. Every command needs one (PING, VERSION and QUIT none).
    public enum Role: String, Hashable, Sendable, CaseIterable, Comparable {
        /// Ask: CHECK and PLAN.
        case query
        /// Report what a call taught the dialer: ATTEMPT, REFUSAL, OPTOUT.
        case report
        /// Record or withdraw consents: CONSENT, REVOKE (the CRM or web forms that hold the proof).
        case consent
        /// Operate the daemon: RELOAD, STATS.
        case admin

        public static func < (lhs: Role, rhs: Role) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Who a role is granted to.
    public enum Principal: Hashable, Sendable, CustomStringConvertible {
        /// Anyone who can connect to the socket (its file mode and group decide who can).
        case anyone
        case user(String)
        case uid(UInt32)
        /// A group, by name: its members (the group database's member list) and any process
        /// whose primary group it is.
        case group(String)
        case gid(UInt32)

        /// Reads `*`, `user:NAME`, `uid:N`, `group:NAME` or `gid:N`.
        public init?(parsing text: String) {
            if text == "*" {
                self = .anyone
                return
            }
            guard let colon = text.firstIndex(of: ":") else { return nil }
            let kind = text[..<colon]
            let value = String(text[text.index(after: colon)...])
            guard !value.isEmpty else { return nil }
            switch kind {
            case "user": self = .user(value)
            case "group": self = .group(value)
            case "uid":
                guard let id = UInt32(value) else { return nil }
                self = .uid(id)
            case "gid":
                guard let id = UInt32(value) else { return nil }
                self = .gid(id)
            default: return nil
            }
        }

        public var description: String {
            switch self {
            case .anyone: "*"
            case .user(let name): "user:\(name)"
            case .uid(let id): "uid:\(id)"
            case .group(let name): "group:\(name)"
            case .gid(let id): "gid:\(id)"
            }
        }
    }

    /// The principals of each role. A role absent from the map is granted to no one but root.
    public var grants: [Role: [Principal]]

    /// The safe defaults: whoever may connect (the socket's client group) may query and report;
    /// consent and admin must be granted explicitly.
    public init(grants: [Role: [Principal]] = [.query: [.anyone], .report: [.anyone]]) {
        self.grants = grants
    }
}
