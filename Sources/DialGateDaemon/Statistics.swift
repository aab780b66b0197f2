import DialGateCore
import Synchronization

/// Counters of what the daemon did since it started, for STATS and the status line.
/// Lock-free: every decision touches them.
public final class Statistics: Sendable {
    public let startedAt: ContinuousClock.Instant = .now
    /// How far the daemon confirmed its audit trail by reading it back (`AuditConfirmation`
    /// updates it); its facts end `facts`, so STATS shows them with no change to the gate.
    public let auditConfirmation = AuditConfirmationStatus()
    private let allowed = Atomic<Int>(0)
    private let denied = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    private let ledgerWrites = Atomic<Int>(0)
    private let reloadsOK = Atomic<Int>(0)
    private let reloadsFailed = Atomic<Int>(0)
    private let connections = Atomic<Int>(0)

    private let ledgerProblem = Mutex<String?>(nil)

    public init() {}

    /// Why the ledger cannot record now, nil while it records: for the status line.
    public var ledgerFailure: String? {
        get { ledgerProblem.withLock { $0 } }
        set { ledgerProblem.withLock { $0 = newValue } }
    }

    public func count(_ verdict: Verdict) {
        switch verdict {
        case .allow: allowed.add(1, ordering: .relaxed)
        case .deny: denied.add(1, ordering: .relaxed)
        }
    }

    /// A client connection opened (+1) or closed (-1).
    public func countConnection(_ change: Int) { connections.add(change, ordering: .relaxed) }

    private let errorsByCode = Mutex<[String: Int]>([:])

    /// An `ERR` answer was written, of `code` (every one: the connection handler reports them).
    public func countError(code: String) {
        errors.add(1, ordering: .relaxed)
        errorsByCode.withLock { $0[code, default: 0] += 1 }
    }
    public func countLedgerWrite() { ledgerWrites.add(1, ordering: .relaxed) }
    public func countReload(succeeded: Bool) {
        if succeeded {
            reloadsOK.add(1, ordering: .relaxed)
        } else {
            reloadsFailed.add(1, ordering: .relaxed)
        }
    }

    public var decisions: Int { allowed.load(ordering: .relaxed) + denied.load(ordering: .relaxed) }

    /// The counters as `key=value` facts, in a stable order.
    public var facts: [Fact] {
        let uptime = ContinuousClock.now - startedAt
        return [
            Fact("uptime_s", String(uptime.components.seconds)),
            Fact("connections", String(connections.load(ordering: .relaxed))),
            Fact("decisions", String(decisions)),
            Fact("allow", String(allowed.load(ordering: .relaxed))),
            Fact("deny", String(denied.load(ordering: .relaxed))),
            Fact("errors", String(errors.load(ordering: .relaxed))),
            Fact("ledger_writes", String(ledgerWrites.load(ordering: .relaxed))),
            Fact("reloads_ok", String(reloadsOK.load(ordering: .relaxed))),
            Fact("reloads_failed", String(reloadsFailed.load(ordering: .relaxed))),
        ] + errorsByCode.withLock { counts in
            counts.sorted { $0.key < $1.key }.map { Fact("errors_" + $0.key.replacingOccurrences(of: "-", with: "_"), String($0.value)) }
        } + auditConfirmation.statisticsFacts
    }
}
