import DialGateAudit
import DialGateSystemd
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Confirms, while the daemon runs, that journald really wrote every audit entry it answered.
///
/// An entry is answered once `sd_journal_sendv` accepted it, which only means the datagram was
/// queued on journald's socket: a journald killed under load loses what it had not yet read,
/// and the daemon would never know. So every `interval` this reads the run's own entries back
/// (those with its `DIALGATE_RUN` that journald saw come from this very process, `_PID`, of
/// a numbered MESSAGE_ID, `AuditMessageID.numbered`, with a `DIALGATE_SEQ`), continuing where it stopped,
/// and hands the numbers to `AuditReadBack`. A number answered more than `grace` ago and still
/// unread is missing: the first time a range goes missing it journals an `auditGap` entry at
/// priority critical naming it (`DIALGATE_MISSING=3,40..42`), and STATS and the status line
/// show the gap until the daemon stops.
///
/// A journal it may not read (the daemon's user is not in `systemd-journal`) makes the
/// confirmation unavailable: said once in the log and in the status, never a crash, and no
/// number is judged missing for it. The one `JournalReader` belongs to this service's task
/// (sd_journal is not thread-safe).
public struct AuditConfirmation: Service {
    /// Time between read-backs by default.
    public static let defaultInterval: Duration = .seconds(5)
    /// How long journald may take to write an entry answered before it is judged missing.
    public static let defaultGrace: Duration = .seconds(10)

    private let run: String
    private let pid: Int32
    private let status: AuditConfirmationStatus
    private let interval: Duration
    private let grace: Duration
    private let logger: Logger
    private let answeredThrough: @Sendable () -> UInt64

    /// - Parameters:
    ///   - run: the audit run id whose entries are read back (`AuditTrail.run`).
    ///   - status: where STATS and the status line read the outcome.
    ///   - answeredThrough: the last sequence number answered (`AuditTrail.lastSequence`).
    public init(
        run: String, status: AuditConfirmationStatus, interval: Duration = defaultInterval, grace: Duration = defaultGrace,
        logger: Logger, answeredThrough: @escaping @Sendable () -> UInt64
    ) {
        self.run = run
        self.pid = getpid()
        self.status = status
        self.interval = interval
        self.grace = grace
        self.logger = logger
        self.answeredThrough = answeredThrough
    }

    public func run() async throws {
        var readBack = AuditReadBack()
        var source = OwnEntries(run: run, pid: pid)
        var unavailable: String?
        while !Task.isCancelledOrShuttingDown {
            // Sampled before reading: whatever was answered by now had its grace when judged.
            let now = ContinuousClock.now
            readBack.answered(through: answeredThrough(), at: now)
            do {
                var late: UInt64 = 0
                try source.read { seq in
                    if readBack.read(seq) == .late { late += 1 }
                }
                if late > 0 {
                    // journald was slower than the grace: the alert overstated the loss.
                    logger.warning(
                        "audit entries reported missing were read back late",
                        metadata: ["entries": "\(late)", "run": "\(run)", "missing": "\(readBack.missingCount)"])
                }
                if unavailable != nil {
                    logger.notice("the journal can be read again: audit confirmation resumes")
                    unavailable = nil
                }
                let newlyMissing = readBack.settle(at: now, grace: grace)
                if !newlyMissing.isEmpty { alert(newlyMissing, total: readBack.missingCount) }
            } catch {
                if unavailable == nil {
                    logger.error(
                        "cannot read the journal back: the audit trail is not confirmed",
                        metadata: ["error": "\(error)"])
                }
                unavailable = "journal unreadable"
            }
            status.update(Self.snapshot(readBack, unavailable: unavailable))
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }

    /// The status as STATS and the status line show it.
    static func snapshot(_ readBack: AuditReadBack, unavailable: String?) -> AuditConfirmationStatus.Snapshot {
        var snapshot = AuditConfirmationStatus.Snapshot()
        snapshot.unavailable = unavailable
        snapshot.confirmedThrough = readBack.confirmedThrough
        snapshot.missingCount = readBack.missingCount
        snapshot.latestMissing = Array(readBack.missing.suffix(AuditConfirmationStatus.shownRanges))
        return snapshot
    }

    /// Journals that the entries `missing` were lost; `total` counts all the run lost so far.
    private func alert(_ missing: [ClosedRange<UInt64>], total: UInt64) {
        let count = missing.reduce(0) { $0 + UInt64($1.count) }
        var entry = JournalEntry.dialgated(
            "audit trail gap: \(count) answered entries of run \(run) never reached the journal (seq \(missing.sequenceText)); \(total) missing in this run",
            id: AuditMessageID.auditGap, priority: .critical)
        entry.append("DIALGATE_RUN", run)
        entry.append("DIALGATE_MISSING", missing.sequenceText)
        entry.append("DIALGATE_MISSING_COUNT", String(count))
        entry.sendShowing(on: logger)
    }
}

/// The run's own sequenced entries in the journal, read on from where the last read stopped.
///
/// Keeps one open reader, whose position is the cursor; when reading fails it is dropped and
/// the next read opens a new one at the instant of the last entry read (entries read twice
/// are harmless, `AuditReadBack` counts them as re-reads).
private struct OwnEntries {
    let run: String
    let pid: Int32
    private var reader: JournalReader?
    private var lastRealtime: UInt64?

    init(run: String, pid: Int32) {
        self.run = run
        self.pid = pid
    }

    /// Calls `body` with the sequence number of each entry written since the last call.
    mutating func read(_ body: (UInt64) -> Void) throws {
        do {
            let reader = try self.reader ?? open()
            self.reader = reader
            try reader.refresh()
            while let fields = try reader.next(fields: ["DIALGATE_SEQ"]) {
                lastRealtime = try reader.realtimeMicroseconds()
                // Entries of older daemons, or of kinds not yet sequenced, have no number.
                guard let seq = fields["DIALGATE_SEQ"].flatMap(UInt64.init) else { continue }
                body(seq)
            }
        } catch {
            reader = nil
            throw error
        }
    }

    private func open() throws -> JournalReader {
        let reader = try JournalReader()
        guard reader.hasFiles else { throw UnreadableJournal() }
        try reader.addMatch("DIALGATE_RUN", run)
        try reader.addMatch("_PID", String(pid))
        for id in AuditMessageID.numbered { try reader.addMatch("MESSAGE_ID", id) }
        if let lastRealtime { try reader.seek(realtimeMicroseconds: lastRealtime) } else { try reader.seekHead() }
        return reader
    }
}

/// No journal file could be opened: the daemon's user may not read the journal.
private struct UnreadableJournal: Error, CustomStringConvertible {
    var description: String { "no journal file is readable (the daemon's user needs the systemd-journal group)" }
}
