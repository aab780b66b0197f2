import DialGateAudit
import DialGateCore
import DialGateLedger
import DialGateSystemd
import Foundation

/// The journal entry of one scrub: what was read (the input's SHA-256, the lists' snapshot, the
/// ledger up to which sequence number), for which campaign and instant, what came out (counts,
/// counts by reason, the outputs' SHA-256). One entry a run, and no number in it.
struct ScrubRecord {
    let input: ProspectFile
    let campaign: String
    let instant: Date
    let snapshot: Snapshot
    let ledger: LedgerReader
    let tally: ScrubTally
    let callable: (path: String, sha256: String)
    let removed: (path: String, sha256: String)

    var entry: JournalEntry {
        let message =
            "dialgate scrub of \(input.name) for campaign \(campaign) at \(ISOInstant.format(instant)): \(tally.rows) rows, "
            + "\(tally.callable) callable, \(tally.removed) removed"
            + (tally.byReason.isEmpty ? "" : " (\(tally.byReasonText))")
        var entry = JournalEntry(message: message, messageID: AuditMessageID.scrub, priority: .notice)
        entry.append("SYSLOG_IDENTIFIER", "dialgate")
        entry.append(AuditField.campaign, campaign)
        entry.append(AuditField.at, ISOInstant.format(instant))
        entry.append(AuditField.inputFile, OutputPaths.canonical(input.path))
        entry.append(AuditField.inputSHA256, input.sha256)
        entry.append(AuditField.rows, String(tally.rows))
        entry.append(AuditField.callableRows, String(tally.callable))
        entry.append(AuditField.removedRows, String(tally.removed))
        entry.append(AuditField.removedByReason, tally.byReasonText)
        entry.append(AuditField.callableFile, OutputPaths.canonical(callable.path))
        entry.append(AuditField.callableSHA256, callable.sha256)
        entry.append(AuditField.removedFile, OutputPaths.canonical(removed.path))
        entry.append(AuditField.removedSHA256, removed.sha256)
        entry.append(AuditField.snapshot, snapshot.id)
        entry.append(
            AuditField.listsAsOf,
            snapshot.statisticsFacts.filter { $0.key.hasSuffix("asof") }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        entry.append(AuditField.ledgerLastSeq, String(ledger.lastSeq))
        return entry
    }

    /// Sends the entry; a journal that does not take it fails the run (exit 2): a scrub off the
    /// record would be an export nobody could account for.
    func journal() throws {
        do {
            try Journal.send(entry)
        } catch {
            throw fail("the journal did not take the scrub's entry (\(error)): nothing written")
        }
    }
}
