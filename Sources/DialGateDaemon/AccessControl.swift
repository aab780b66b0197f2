#if canImport(Glibc)
import DialGateServer
import Glibc
#endif
import DialGateCore

/// The `[access]` grants resolved to numeric ids, ready to answer "which roles does this peer
/// hold?" on every request without touching the user database.
///
/// Names are resolved when the configuration is loaded (start and each reload), so a user or
/// group that does not exist is a configuration error then, not a silent "nobody" later. A
/// group grants its role to its listed members and to any process whose primary group it is.
/// Root holds every role. A peer the kernel could not name holds none.
public struct AccessControl: Sendable, Equatable {
    public typealias Role = AccessSettings.Role

    private var anyone: Set<Role> = []
    private var byUID: [UInt32: Set<Role>] = [:]
    private var byGID: [UInt32: Set<Role>] = [:]

    /// Only root may do anything: what serves when the grants could not be resolved.
    public static let rootOnly = AccessControl()

    private init() {}

    /// Resolves every user and group name of `settings`.
    /// - Throws: ``AccessError`` naming the first unknown user or group.
    public init(resolving settings: AccessSettings) throws(AccessError) {
        for (role, principals) in settings.grants {
            for principal in principals {
                switch principal {
                case .anyone:
                    anyone.insert(role)
                case .uid(let uid):
                    byUID[uid, default: []].insert(role)
                case .gid(let gid):
                    byGID[gid, default: []].insert(role)
                case .user(let name):
                    guard let entry = getpwnam(name) else { throw AccessError(role: role, principal: principal) }
                    byUID[entry.pointee.pw_uid, default: []].insert(role)
                case .group(let name):
                    guard let entry = getgrnam(name) else { throw AccessError(role: role, principal: principal) }
                    byGID[entry.pointee.gr_gid, default: []].insert(role)
                    var member = entry.pointee.gr_mem
                    var memberNames: [String] = []
                    while let pointer = member?.pointee {
                        memberNames.append(String(cString: pointer))
                        member = member?.advanced(by: 1)
                    }
                    // getpwnam may reuse the group entry's static storage: names first, then ids.
                    for memberName in memberNames {
                        if let user = getpwnam(memberName) { byUID[user.pointee.pw_uid, default: []].insert(role) }
                    }
                }
            }
        }
    }

    /// The roles `peer` holds.
    public func roles(of peer: PeerCredentials?) -> Set<Role> {
        Set(Role.allCases.filter { allows($0, to: peer) })
    }

    /// Whether `peer` holds `role`: asked for every request, so it looks the role up in each
    /// grant instead of building the peer's set of roles.
    public func allows(_ role: Role, to peer: PeerCredentials?) -> Bool {
        guard let peer else { return false }
        return peer.uid == 0 || anyone.contains(role) || byUID[peer.uid]?.contains(role) == true
            || byGID[peer.gid]?.contains(role) == true
    }
}

/// A grant of `[access]` names a user or group the system does not know.
public struct AccessError: Error, CustomStringConvertible, Equatable {
    public var role: AccessSettings.Role
    public var principal: AccessSettings.Principal

    public var description: String {
        "access.\(role.rawValue): \(principal) does not exist on this system"
    }
}
