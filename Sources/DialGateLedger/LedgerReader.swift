import DialGateCore
import Glibc

/// The ledger as another process reads it: what `ledger.log` held when it was opened, replayed
/// into memory, for tools that decide offline with the daemon's runtime facts (`dialgate scrub`).
///
/// Read-only and lock-free: the file is opened `O_RDONLY`, the directory is not locked (the
/// daemon keeps its lock and goes on appending), nothing is cut, copied aside or repaired. Its
/// size is taken once; what the daemon appends after that is not seen.
///
/// The replay follows the daemon's own (`LedgerReplay`), so a reader sees exactly what the
/// daemon would rebuild from the same bytes:
/// - damaged or unterminated lines after the last good line are a torn tail (a write in
///   progress, or the daemon killed mid-write): they were never acknowledged, and reading stops
///   before them;
/// - a damaged line followed by a good one, a line this version cannot decode, sequence
///   numbers going backwards, or a jump no compaction explains is an error: a line in the
///   middle may be an opt-out, so the reader refuses rather than leave it out.
public struct LedgerReader: Sendable {
    /// The file read: `<directory>/ledger.log`.
    public let path: String
    /// Records replayed (the ledger's own notes not counted).
    public let records: Int
    /// The sequence number of the last good line (0 for an empty ledger).
    public let lastSeq: UInt64
    /// Bytes of a torn tail left out.
    public let tornTailBytes: Int
    /// The size of the file when it was read.
    public let size: UInt64
    private let state: LedgerState

    /// Reads and replays `<directory>/ledger.log`.
    ///
    /// - Throws: ``LedgerError/io(operation:path:errno:)`` when the file cannot be opened or
    ///   read (`ENOENT` when the daemon never ran there, `EACCES` without the right to read
    ///   it); ``LedgerError/damagedRecord(line:offset:reason:)``,
    ///   ``LedgerError/undecodableRecord(line:seq:reason:)``,
    ///   ``LedgerError/outOfOrder(line:seq:previous:)`` or
    ///   ``LedgerError/missingRecords(after:next:)`` for damage before the tail.
    public init(directory: String) throws(LedgerError) {
        let path = directory + "/" + LedgerReplay.logName
        let fd = retryingEINTR { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        let file = LedgerFile(fd: fd, path: path)
        defer { file.close() }
        let size = try file.size()

        var state = LedgerState()
        var records = 0
        var lastSeq: UInt64 = 0
        var lineNumber = 0
        // The first line that may start a torn tail, until a good line after it shows damage.
        var suspect: (offset: UInt64, line: Int, reason: String)?
        var unexplainedGap: (after: UInt64, next: UInt64)?
        try file.forEachLine(upTo: size) { (offset, line, terminated) throws(LedgerError) in
            lineNumber += 1
            guard terminated else {
                if suspect == nil { suspect = (offset, lineNumber, "no newline at the end") }
                return
            }
            switch LedgerCodec.decode(line) {
            case .damaged(let reason):
                if suspect == nil { suspect = (offset, lineNumber, reason) }
            case .undecodable(let seq, let reason):
                throw .undecodableRecord(line: lineNumber, seq: seq, reason: reason)
            case .entry(let seq, let entry):
                if let damaged = suspect {
                    throw .damagedRecord(line: damaged.line, offset: damaged.offset, reason: damaged.reason)
                }
                guard seq > lastSeq else { throw .outOfOrder(line: lineNumber, seq: seq, previous: lastSeq) }
                if seq != lastSeq + 1, unexplainedGap == nil { unexplainedGap = (lastSeq, seq) }
                lastSeq = seq
                switch entry {
                case .record(let record, let key):
                    state.apply(record, key: key, seq: seq)
                    records += 1
                case .compacted, .repaired:
                    unexplainedGap = nil
                }
            }
        }
        if let gap = unexplainedGap { throw .missingRecords(after: gap.after, next: gap.next) }
        self.path = path
        self.records = records
        self.lastSeq = lastSeq
        self.tornTailBytes = suspect.map { Int(size - $0.offset) } ?? 0
        self.size = size
        self.state = state
    }

    /// What the ledger knew about `number` when it was read; empty for a number it never saw.
    public func facts(for number: PhoneNumber) -> LedgerFacts {
        state.facts(for: number.key)
    }

    /// Every number the ledger knew when it was read, in numeric order, with its facts.
    public var numbers: [(number: PhoneNumber, facts: LedgerFacts)] {
        state.allFacts().compactMap { entry in PhoneNumber(key: entry.key).map { ($0, entry.facts) } }
    }

    /// The ledger's counts (numbers, opt-outs, consents, attempts…) as read.
    public var stats: LedgerStats {
        var stats = state.counts
        stats.bytes = size
        stats.lastSeq = lastSeq
        return stats
    }
}
