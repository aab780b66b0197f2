import Foundation

/// Reading the ledger file at open: rebuilds the state, cuts a torn tail, refuses (or, when
/// asked, repairs) damage anywhere else.
///
/// The line between the two cases: a crash can only tear what was being written last, whose
/// fsync had not returned, so nothing acknowledged is lost by cutting it. A bad line followed
/// by good ones cannot come from a crash of this writer; dropping it silently could drop an
/// opt-out, so the ledger fails closed.
struct LedgerReplay {
    static let logName = "ledger.log"

    /// What replay hands to the writer.
    struct Outcome {
        var log: LedgerFile
        var size: UInt64
        var nextSeq: UInt64
        var state: LedgerState
        var report: LedgerOpenReport
    }

    /// A line that could be the start of a torn tail, until a good line after it proves it is
    /// damage in the middle.
    private struct Suspect {
        var offset: UInt64
        var line: Int
        var reason: String
    }

    let directory: LedgerDirectory
    let options: LedgerOptions
    let now: Date

    func run(log: LedgerFile, created: Bool) throws(LedgerError) -> Outcome {
        let size = try log.size()
        var state = LedgerState()
        var report = LedgerOpenReport(created: created)
        var lastSeq: UInt64 = 0
        var lineNumber = 0
        var suspects: [Suspect] = []
        var dropped: Set<UInt64> = []  // offsets of lines a repair leaves out
        // A jump in sequence numbers not yet vouched for by a compaction or repair marker.
        var unexplainedGap: (after: UInt64, next: UInt64)?
        let repair = options.repairDamagedRecords

        try log.forEachLine(upTo: size) { (offset, line, terminated) throws(LedgerError) in
            lineNumber += 1
            guard terminated else {
                suspects.append(Suspect(offset: offset, line: lineNumber, reason: "no newline at the end"))
                return
            }
            let seq: UInt64
            let entry: LedgerEntry
            switch LedgerCodec.decode(line) {
            case .damaged(let reason):
                suspects.append(Suspect(offset: offset, line: lineNumber, reason: reason))
                return
            case .undecodable(let badSeq, let reason):
                guard repair else { throw .undecodableRecord(line: lineNumber, seq: badSeq, reason: reason) }
                dropped.insert(offset)
                return
            case .entry(let goodSeq, let goodEntry):
                seq = goodSeq
                entry = goodEntry
            }
            // A good line: whatever looked torn before it was damage in the middle.
            if let first = suspects.first {
                guard repair else { throw .damagedRecord(line: first.line, offset: first.offset, reason: first.reason) }
                dropped.formUnion(suspects.map(\.offset))
                suspects.removeAll()
            }
            guard seq > lastSeq else {
                guard repair else { throw .outOfOrder(line: lineNumber, seq: seq, previous: lastSeq) }
                dropped.insert(offset)
                return
            }
            if seq != lastSeq + 1, unexplainedGap == nil { unexplainedGap = (lastSeq, seq) }
            lastSeq = seq
            switch entry {
            case .record(let record, let key):
                state.apply(record, key: key, seq: seq)
                report.recordsReplayed += 1
            case .compacted, .repaired:
                unexplainedGap = nil
            }
        }
        if let gap = unexplainedGap, !repair { throw .missingRecords(after: gap.after, next: gap.next) }

        var log = log
        var validSize = size
        if let firstTorn = suspects.first {
            validSize = firstTorn.offset
            report.tornTailBytes = Int(size - validSize)
            report.damagedRecords += suspects.count { $0.reason != "no newline at the end" }
            report.tornTailCopy = try keepTornTail(of: log, from: validSize, to: size)
            try log.truncate(to: validSize)
            try log.fullSync()
        }
        if !dropped.isEmpty || unexplainedGap != nil {
            report.damagedRecords += dropped.count
            let rewritten = try rewriteWithout(dropped, log: log, size: validSize, nextSeq: lastSeq + 1)
            report.damagedCopy = rewritten.copy
            log = rewritten.log
            validSize = rewritten.size
            lastSeq += 1
        }
        report.lastSeq = lastSeq
        return Outcome(log: log, size: validSize, nextSeq: lastSeq + 1, state: state, report: report)
    }

    /// Saves the bytes about to be cut, durably, before cutting them.
    private func keepTornTail(of log: LedgerFile, from start: UInt64, to end: UInt64) throws(LedgerError) -> String {
        let name = uniqueName("\(Self.logName).torn-")
        let copy = try LedgerFile.create(directory.file(name))
        defer { copy.close() }
        try copy.write(try log.read(count: Int(end - start), at: start))
        try copy.fullSync()
        try directory.sync()
        return directory.file(name)
    }

    /// The explicit repair: writes the good lines to a new file ending with a `repaired`
    /// marker, keeps the original under another name (a hard link, so there is never a moment
    /// without `ledger.log`), and renames the new file over.
    private func rewriteWithout(
        _ dropped: Set<UInt64>, log: LedgerFile, size: UInt64, nextSeq: UInt64
    ) throws(LedgerError) -> (log: LedgerFile, size: UInt64, copy: String) {
        let copyName = uniqueName("\(Self.logName).damaged-")
        guard link(log.path, directory.file(copyName)) == 0 else {
            throw .io(operation: "link", path: directory.file(copyName), errno: errno)
        }
        let newName = "\(Self.logName).repair"
        let new = try LedgerFile.create(directory.file(newName))
        var copy = LedgerLineCopy(into: new)
        do throws(LedgerError) {
            try log.forEachLine(upTo: size) { (offset, line, _) throws(LedgerError) in
                guard !dropped.contains(offset) else { return }
                try copy.append(line)
            }
            try copy.finish(seq: nextSeq, marker: .repaired(at: now, dropped: dropped.count))
            new.close()
            try directory.rename(newName, to: Self.logName)
            try directory.sync()
        } catch {
            new.close()
            directory.remove(newName)
            throw error
        }
        let (reopened, _) = try LedgerFile.openForAppend(directory.file(Self.logName), create: false)
        log.close()
        return (reopened, copy.written, directory.file(copyName))
    }

    /// `<prefix><UTC time>`, with a counter when that name is taken.
    private func uniqueName(_ prefix: String) -> String {
        let stamp = (LedgerCodec.isoText(now) ?? "unknown-time")
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        var name = prefix + stamp
        var counter = 1
        while directory.exists(name) {
            counter += 1
            name = "\(prefix)\(stamp)-\(counter)"
        }
        return name
    }
}
