/// The new file a compaction builds beside the ledger, `ledger.log.compact`, and the state it
/// replays into, filled in passes while appends go on into the old file.
///
/// Each pass copies the kept lines of the old file from where the last pass stopped up to a
/// size the writer had acknowledged, verbatim (sequence numbers and checksums unchanged, so a
/// line can be followed from one file to the next), and applies their records to ``state``
/// in file order: at the end ``state`` is exactly what a replay of the new file rebuilds.
struct LedgerCompactionCopy {
    static let name = "\(LedgerReplay.logName).compact"

    let compaction: LedgerCompaction
    private var lines: LedgerLineCopy
    /// The kept records, applied in file order.
    private(set) var state = LedgerState()
    private(set) var kept = 0
    private(set) var dropped = 0
    /// How far into the old file the copy has gone: the next pass starts here.
    private(set) var copiedUpTo: UInt64 = 0
    /// Bytes of the new file fdatasync'd so far.
    private var synced: UInt64 = 0

    /// The copy is fdatasync'd every this many bytes: one flush of a whole 100 MB copy would
    /// queue ahead of the appends' own fdatasyncs on the same disk and stall them.
    static let syncInterval: UInt64 = 4 << 20

    /// Creates (or truncates, after a compaction that died) the new file.
    init(compaction: LedgerCompaction, directory: LedgerDirectory, faults: LedgerFaults?) throws(LedgerError) {
        self.compaction = compaction
        lines = LedgerLineCopy(into: try LedgerFile.create(directory.file(Self.name)), faults: faults)
    }

    /// Bytes written to the new file so far.
    var written: UInt64 { lines.written }

    /// Copies the kept lines of `log` from ``copiedUpTo`` to `end`, which must be acknowledged
    /// bytes (whole, checked lines, as replay and the writer leave them).
    mutating func copy(from log: LedgerFile, upTo end: UInt64) throws(LedgerError) {
        guard end > copiedUpTo else { return }
        try log.forEachLine(from: copiedUpTo, upTo: end) { (offset, line, terminated) throws(LedgerError) in
            guard terminated, case .entry(let seq, let entry) = LedgerCodec.decode(line) else {
                throw .damagedRecord(line: 0, offset: offset, reason: "found while compacting")
            }
            // Old markers go: the new one vouches for every gap before it.
            guard case .record(let record, let key) = entry else { return }
            guard compaction.keeps(record) else {
                dropped += 1
                return
            }
            kept += 1
            state.apply(record, key: key, seq: seq)
            try lines.append(line)
            if lines.written - synced >= Self.syncInterval { try sync() }
        }
        copiedUpTo = end
    }

    /// Writes and fdatasyncs what is copied so far, so that ``finish(markerSeq:)`` (run while
    /// appends wait) has only the last lines to flush.
    mutating func sync() throws(LedgerError) {
        try lines.sync()
        synced = lines.written
    }

    /// Ends the file with the `compacted` marker at `markerSeq` that explains the gaps, and
    /// fsyncs it.
    mutating func finish(markerSeq: UInt64) throws(LedgerError) {
        try lines.finish(seq: markerSeq, marker: .compacted(at: compaction.now, kept: kept, dropped: dropped))
    }

    /// Hands the state over, leaving an empty one: the writer swaps it in without copying.
    mutating func takeState() -> LedgerState {
        var taken = LedgerState()
        swap(&taken, &state)
        return taken
    }

    func close() {
        lines.file.close()
    }
}
