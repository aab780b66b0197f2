import DialGateAudit
import DialGateCore
import Synchronization

/// How far the daemon has confirmed its own audit trail by reading it back, for STATS and the
/// status line. `AuditConfirmation` updates it every few seconds; the gate and the status
/// reporter read it from any thread.
public final class AuditConfirmationStatus: Sendable {
    /// One consistent view of the confirmation.
    public struct Snapshot: Sendable, Equatable {
        /// Why the trail cannot be confirmed (the journal cannot be read), nil while it can.
        public var unavailable: String?
        /// Every number up to this one was read back or found missing.
        public var confirmedThrough: UInt64 = 0
        /// Numbers answered that journald never wrote.
        public var missingCount: UInt64 = 0
        /// The latest missing ranges, at most `AuditConfirmationStatus.shownRanges`.
        public var latestMissing: [ClosedRange<UInt64>] = []

        public init() {}
    }

    /// How many missing ranges STATS and the status line name (the alerts name them all).
    public static let shownRanges = 5

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ snapshot: Snapshot) { state.withLock { $0 = snapshot } }

    /// `audit_confirmed_seq`, `audit_missing`, and when they apply `audit_missing_ranges` and
    /// `audit_confirmation=unavailable`.
    public var statisticsFacts: [Fact] {
        let snapshot = self.snapshot
        var facts = [
            Fact("audit_confirmed_seq", String(snapshot.confirmedThrough)),
            Fact("audit_missing", String(snapshot.missingCount)),
        ]
        if !snapshot.latestMissing.isEmpty { facts.append(Fact("audit_missing_ranges", snapshot.latestMissing.sequenceText)) }
        if snapshot.unavailable != nil { facts.append(Fact("audit_confirmation", "unavailable")) }
        return facts
    }

    /// A short warning for the status line when entries are missing or cannot be confirmed;
    /// nil when all is well.
    public var statusFragment: String? {
        let snapshot = self.snapshot
        if snapshot.missingCount > 0 {
            let entries = snapshot.missingCount == 1 ? "entry" : "entries"
            let ranges = snapshot.latestMissing.isEmpty ? "" : " (\(snapshot.latestMissing.sequenceText))"
            return "AUDIT GAP: \(snapshot.missingCount) \(entries) missing\(ranges)"
        }
        if let reason = snapshot.unavailable { return "audit unconfirmed: \(reason)" }
        return nil
    }
}
