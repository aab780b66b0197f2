import Foundation

/// Counters for STATS and the status line: how big the ledger is and how its disk behaves.
public struct LedgerStats: Hashable, Sendable {
    /// Records in the file now (after the last compaction), ledger notes not counted.
    public var records: Int = 0
    /// Size of the file in bytes.
    public var bytes: UInt64 = 0
    /// Numbers on the internal do-not-call list.
    public var optOuts: Int = 0
    /// Consent records, revoked ones included.
    public var consents: Int = 0
    /// Consent revocation records.
    public var consentRevocations: Int = 0
    /// Attempt records still kept (compaction drops expired ones).
    public var attempts: Int = 0
    /// Refusal records still kept (compaction drops expired ones).
    public var refusals: Int = 0
    /// Reservation records still kept (compaction drops expired ones).
    public var reservations: Int = 0
    /// Reservations no report has settled yet (counted as attempts meanwhile).
    public var reservationsOpen: Int = 0
    /// Numbers the ledger knows anything about.
    public var numbers: Int = 0
    /// The last sequence number written.
    public var lastSeq: UInt64 = 0
    /// Appends acknowledged since open.
    public var appends: UInt64 = 0
    /// Group commits since open (one write and one fdatasync each): `appends / commits` is the
    /// batching achieved.
    public var commits: UInt64 = 0
    /// fdatasync calls since open.
    public var fsyncs: UInt64 = 0
    /// How long the last fdatasync took.
    public var lastFsyncLatency: Duration?
    /// The slowest fdatasync since open.
    public var maxFsyncLatency: Duration?
    /// Compactions since open.
    public var compactions: Int = 0
    /// The `now` of the last compaction.
    public var lastCompaction: Date?
    /// Why appends fail, when an I/O error made the ledger unavailable.
    public var failure: String?

    /// All zero.
    public init() {}
}
