/// How a ``Ledger`` opens its file.
public struct LedgerOptions: Hashable, Sendable {
    /// Open even when lines before the end of the file are damaged, undecodable, duplicated
    /// or missing: they are dropped, the file is rewritten without them and the original is
    /// kept beside it as `ledger.log.damaged-<time>`.
    ///
    /// Off by default, because a dropped line may be an opt-out: an operator turns it on
    /// (`dialgated --repair-ledger`) after looking at the damage, never the daemon by itself.
    public var repairDamagedRecords: Bool

    /// Failures to inject into writes and syncs (tests only).
    public var faults: LedgerFaults?

    /// How often a ledger that could not record tries again to write (a test write, then
    /// cutting its file back to the last acknowledged record).
    public var retryInterval: Duration

    /// The options; by default damage before the tail refuses the open.
    public init(repairDamagedRecords: Bool = false, faults: LedgerFaults? = nil, retryInterval: Duration = .seconds(1)) {
        self.repairDamagedRecords = repairDamagedRecords
        self.faults = faults
        self.retryInterval = retryInterval
    }
}
