import Foundation

/// Counters for STATS and the status line: how big the ledger is and how its disk behaves.
public struct LedgerStats: Hashable, Sendable {
    /// Records in the file now (after the last compaction), ledger notes not counted.
    public var records: Int = 0
    /// Size of the file in bytes.
    public var bytes: UInt64 = 0
    /// Numbers on the internal do-not-call list.
    public var optOuts: Int = 0
    /// Consent records, revoked ones included, and revocation records.
    public var consents: Int = 0
    public var consentRevocations: Int = 0
    /// Attempt and refusal records still kept.
    public var attempts: Int = 0
    public var refusals: Int = 0
    /// Numbers the ledger knows anything about.
    public var numbers: Int = 0
    /// The last sequence number written.
    public var lastSeq: UInt64 = 0
    /// Appends acknowledged since open, and the group commits (one write and one fdatasync
    /// each) that carried them: their ratio is the batching achieved.
    public var appends: UInt64 = 0
    public var commits: UInt64 = 0
    /// fdatasync calls since open.
    public var fsyncs: UInt64 = 0
    /// How long the last fdatasync took.
    public var lastFsyncLatency: Duration?
    /// The slowest fdatasync since open.
    public var maxFsyncLatency: Duration?
    /// Compactions since open, and when the last one ran (its `now`).
    public var compactions: Int = 0
    public var lastCompaction: Date?
    /// Why appends fail, when an I/O error made the ledger unavailable.
    public var failure: String?

    public init() {}
}
