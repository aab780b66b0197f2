/// Copies whole ledger lines into a new file through a 1 MiB buffer, then closes it with a
/// marker record and a full sync: how compaction and repair both rewrite the log.
///
/// Its writes and syncs go through `faults` when given, so tests can fail a compaction's new
/// file (and only it) the way a full or failing disk would.
struct LedgerLineCopy {
    let file: LedgerFile
    private let faults: LedgerFaults?
    private var buffer: [UInt8] = []
    /// Bytes written to the file so far.
    private(set) var written: UInt64 = 0

    init(into file: LedgerFile, faults: LedgerFaults? = nil) {
        self.file = file
        self.faults = faults
    }

    mutating func append(_ line: ArraySlice<UInt8>) throws(LedgerError) {
        buffer.append(contentsOf: line)
        buffer.append(LedgerCodec.newline)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is buffered and fdatasyncs it: a compaction does this before it holds
    /// appends back, so that its final sync only has the last few lines left to flush.
    mutating func sync() throws(LedgerError) {
        try flush()
        try faults?.check(.sync, path: file.path)
        try file.dataSync()
    }

    /// Writes the marker record that explains the rewrite, and syncs the file.
    mutating func finish(seq: UInt64, marker: LedgerEntry) throws(LedgerError) {
        try LedgerCodec.encode(seq: seq, marker, into: &buffer)
        try flush()
        try faults?.check(.sync, path: file.path)
        try file.fullSync()
    }

    private mutating func flush() throws(LedgerError) {
        guard !buffer.isEmpty else { return }
        try faults?.check(.write, path: file.path)
        try file.write(buffer)
        written += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }
}
