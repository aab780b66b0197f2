/// Copies whole ledger lines into a new file through a 1 MiB buffer, then closes it with a
/// marker record and a full sync: how compaction and repair both rewrite the log.
struct LedgerLineCopy {
    let file: LedgerFile
    private var buffer: [UInt8] = []
    /// Bytes written to the file so far.
    private(set) var written: UInt64 = 0

    init(into file: LedgerFile) {
        self.file = file
    }

    mutating func append(_ line: ArraySlice<UInt8>) throws(LedgerError) {
        buffer.append(contentsOf: line)
        buffer.append(LedgerCodec.newline)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes the marker record that explains the rewrite, and syncs the file.
    mutating func finish(seq: UInt64, marker: LedgerEntry) throws(LedgerError) {
        try LedgerCodec.encode(seq: seq, marker, into: &buffer)
        try flush()
        try file.fullSync()
    }

    private mutating func flush() throws(LedgerError) {
        try file.write(buffer)
        written += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }
}
