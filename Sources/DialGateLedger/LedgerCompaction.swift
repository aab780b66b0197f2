import Foundation

/// One compaction's rule: what of the ledger is still worth keeping at `now`.
///
/// Opt-outs, consents and revocations are kept forever (the right to object is not undone;
/// consent proof lives as long as it may have to be shown). Attempts and refusals only matter
/// within their windows (4 calls per 30 days, 60 days after a refusal); they are kept for
/// their window plus ``marginDays``, because the policy counts calendar days in the consumer's
/// time zone, which can reach a little further back than whole 24-hour days from `now`.
struct LedgerCompaction: Sendable {
    static let marginDays = 2

    var now: Date
    var keepAttemptsDays: Int
    var keepRefusalsDays: Int

    /// The new file, written and fsync'd under a temporary name, not yet renamed.
    struct Rewritten {
        var name: String
        var size: UInt64
        var state: LedgerState
        var kept: Int
        var dropped: Int
    }

    func keeps(_ record: LedgerRecord) -> Bool {
        switch record {
        case .optOut, .consent, .consentRevoked: true
        case .attempt(_, _, let at): at >= cutoff(days: keepAttemptsDays)
        case .refusal(_, _, let at): at >= cutoff(days: keepRefusalsDays)
        }
    }

    private func cutoff(days: Int) -> Date {
        now.addingTimeInterval(-Double(max(0, days) + Self.marginDays) * 86_400)
    }

    /// Copies the kept lines verbatim (sequence numbers and checksums unchanged, so a line can
    /// be followed from one file to the next) into `ledger.log.compact`, ends it with a
    /// `compacted` marker at `markerSeq` that explains the gaps, and fsyncs it.
    func rewrite(
        log: LedgerFile, size: UInt64, markerSeq: UInt64, directory: LedgerDirectory
    ) throws(LedgerError) -> Rewritten {
        let name = "\(LedgerReplay.logName).compact"
        let new = try LedgerFile.create(directory.file(name))
        defer { new.close() }
        var state = LedgerState()
        var kept = 0
        var dropped = 0
        var copy = LedgerLineCopy(into: new)
        do throws(LedgerError) {
            try log.forEachLine(upTo: size) { (offset, line, terminated) throws(LedgerError) in
                guard terminated, case .entry(_, let entry) = LedgerCodec.decode(line) else {
                    // Replay and the writer only leave whole, checked lines before `size`.
                    throw .damagedRecord(line: 0, offset: offset, reason: "found while compacting")
                }
                // Old markers go: the new one vouches for every gap before it.
                guard case .record(let record) = entry else { return }
                guard keeps(record) else {
                    dropped += 1
                    return
                }
                kept += 1
                state.apply(record)
                try copy.append(line)
            }
            try copy.finish(seq: markerSeq, marker: .compacted(at: now, kept: kept, dropped: dropped))
        } catch {
            directory.remove(name)
            throw error
        }
        return Rewritten(name: name, size: copy.written, state: state, kept: kept, dropped: dropped)
    }
}
