import DialGateCore
import Synchronization

/// Everything a decision reads that comes from disk: the configuration's policy and
/// campaigns, and the loaded lists. Immutable; a reload builds a new one off to the side and
/// swaps it in whole, so a decision never sees half of a reload. A class, so that each
/// request takes it with one reference count, not one per field.
public final class ServingState: Sendable {
    public let configuration: Configuration
    public let policy: Policy
    /// `nil` until a list load succeeded: decisions are then denied (`lists-unavailable`).
    public let lists: Snapshot?
    /// Why the lists could not be loaded, when they could not.
    public let listsProblem: String?
    /// The as-of date of each kind of list in force (`bloctel_cleared_asof=2026-11-02 ...`),
    /// written with every decision so an auditor sees how fresh the lists were.
    public let listsAsOf: String
    /// Who may do what: the `[access]` grants, resolved.
    public let access: AccessControl

    public init(configuration: Configuration, lists: Snapshot?, listsProblem: String?, access: AccessControl) {
        self.configuration = configuration
        self.access = access
        self.policy = Policy(settings: configuration.policy, campaigns: configuration.campaigns)
        self.lists = lists
        self.listsProblem = listsProblem
        self.listsAsOf = (lists?.statisticsFacts ?? []).filter { $0.key.hasSuffix("asof") }
            .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

/// Holds the current `ServingState`. Reading is one reference copy under a lock that is
/// never held for anything longer, so queries do not wait for a reload being built.
public final class StateStore: Sendable {
    private let state: Mutex<ServingState>

    public init(_ initial: ServingState) {
        state = Mutex(initial)
    }

    /// The state in force: one reference, read under the lock.
    public var current: ServingState { state.withLock { $0 } }

    public func replace(with new: ServingState) {
        state.withLock { $0 = new }
    }
}
