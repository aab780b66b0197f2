/// What opening a ledger found and fixed, for the start-up log line and STATS.
public struct LedgerOpenReport: Hashable, Sendable {
    /// Whether the file did not exist and was created empty.
    public var created: Bool
    /// Records replayed into memory (the ledger's own notes, such as compaction markers, not
    /// counted).
    public var recordsReplayed: Int
    /// Bytes cut from the end of the file: a record torn by a crash during its write (never
    /// acknowledged, since the fsync had not returned), or damaged lines at the tail.
    public var tornTailBytes: Int
    /// Where those bytes were kept for forensics (`ledger.log.torn-<time>`), when there were any.
    public var tornTailCopy: String?
    /// Damaged lines dropped: complete lines at the tail whose checksum failed, plus, with
    /// ``LedgerOptions/repairDamagedRecords``, the lines dropped from the middle.
    public var damagedRecords: Int
    /// With ``LedgerOptions/repairDamagedRecords``: where the file as it was before the repair
    /// was kept (`ledger.log.damaged-<time>`), when something had to be dropped.
    public var damagedCopy: String?
    /// The sequence number of the last line kept; the next append gets the one after.
    public var lastSeq: UInt64

    /// A report with the given figures; the defaults describe an existing, clean, empty file.
    public init(
        created: Bool = false,
        recordsReplayed: Int = 0,
        tornTailBytes: Int = 0,
        tornTailCopy: String? = nil,
        damagedRecords: Int = 0,
        damagedCopy: String? = nil,
        lastSeq: UInt64 = 0
    ) {
        self.created = created
        self.recordsReplayed = recordsReplayed
        self.tornTailBytes = tornTailBytes
        self.tornTailCopy = tornTailCopy
        self.damagedRecords = damagedRecords
        self.damagedCopy = damagedCopy
        self.lastSeq = lastSeq
    }
}
