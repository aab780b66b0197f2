/// How a ``Ledger`` opens its file.
public struct LedgerOptions: Hashable, Sendable {
    /// Open even when lines before the end of the file are damaged, undecodable, duplicated
    /// or missing: they are dropped, the file is rewritten without them and the original is
    /// kept beside it as `ledger.log.damaged-<time>`.
    ///
    /// Off by default, because a dropped line may be an opt-out: an operator turns it on
    /// (`dialgated --repair-ledger`) after looking at the damage, never the daemon by itself.
    public var repairDamagedRecords: Bool

    /// The options; by default damage before the tail refuses the open.
    public init(repairDamagedRecords: Bool = false) {
        self.repairDamagedRecords = repairDamagedRecords
    }
}
