import DialGateCore
import Foundation

/// What an append did: the record's sequence number in the file, and whether it was a repeat
/// of a keyed write already recorded (then nothing new was written).
public struct LedgerReceipt: Hashable, Sendable {
    public var seq: UInt64
    public var duplicate: Bool

    public init(seq: UInt64, duplicate: Bool) {
        self.seq = seq
        self.duplicate = duplicate
    }
}

/// The daemon's only mutable state: what happened at runtime that the policy must remember
/// (opt-outs, consents and their revocations, call attempts, refusals), kept in an append-only
/// file and replayed into memory at open.
///
/// The guarantee that matters is the opt-out's (GDPR art. 21): once ``append(_:)`` returns, the
/// record is on disk (written and fdatasync'd) and in memory, so the next ``facts(for:)``
/// sees it and no crash can lose it. Concurrent appends share one write and one fdatasync
/// (group commit) on a dedicated writer thread; a compaction holds them back only for its
/// last step (the lines appended while it copied, the syncs, the rename: milliseconds),
/// whatever the file's size.
///
/// The file is `<directory>/ledger.log`, one line a record (see `LedgerCodec` for the format):
/// readable with `less`, searchable with `grep +33612345678`.
///
/// Any doubt about the file makes the ledger fail closed: it refuses to open over damage it
/// cannot explain, and after an I/O error it refuses appends (and ``failure`` says why) until a
/// retry shows the disk takes writes again; the daemon then answers DENY with reason
/// `ledger-unavailable`.
public final class Ledger: Sendable {
    /// The directory holding `ledger.log` (and, after trouble, its forensic copies).
    public let directory: String
    /// What opening found: records replayed, a torn tail cut, damage repaired.
    public let openReport: LedgerOpenReport
    private let writer: LedgerWriter

    /// Opens the ledger in `directory`, creating both when missing, and replays it.
    ///
    /// A torn or damaged tail (the record being written when the process or machine died) is
    /// cut, copied aside and reported in ``openReport``. Damage before the tail throws, unless
    /// ``LedgerOptions/repairDamagedRecords`` is set. The directory is locked: a second
    /// `Ledger` on it, in this process or another, throws ``LedgerError/inUse(path:)``.
    ///
    /// Reads the whole file: call it before serving, not on an event loop.
    public init(directory: String, options: LedgerOptions = LedgerOptions()) throws {
        let lockedDirectory = try LedgerDirectory.open(directory)
        var log: LedgerFile?
        do {
            let opened = try LedgerFile.openForAppend(lockedDirectory.file(LedgerReplay.logName), create: true)
            log = opened.file
            if opened.created {
                // The new name must survive a crash too, not only the bytes later put in it.
                try opened.file.fullSync()
                try lockedDirectory.sync()
            }
            let replay = LedgerReplay(directory: lockedDirectory, options: options, now: Date())
            let outcome = try replay.run(log: opened.file, created: opened.created)
            log = outcome.log
            self.directory = directory
            self.openReport = outcome.report
            self.writer = LedgerWriter(
                directory: lockedDirectory, log: outcome.log, size: outcome.size, nextSeq: outcome.nextSeq,
                state: outcome.state, faults: options.faults, retryInterval: options.retryInterval)
        } catch {
            log?.close()
            lockedDirectory.close()
            throw error
        }
        writer.start()
    }

    deinit {
        writer.close()
    }

    /// Records `record` durably, then in memory, and returns its sequence number in the file.
    ///
    /// Returns only once the line is written and fdatasync'd and ``facts(for:)`` reflects it.
    /// Dates are kept to the millisecond. Once queued, the record is written even if the
    /// calling task is cancelled: an opt-out half-recorded is worse than one recorded late.
    ///
    /// - Throws: ``LedgerError/invalidRecord(_:)`` for a date outside 1970...9999,
    ///   ``LedgerError/unavailable(_:)`` after an earlier I/O failure, ``LedgerError/closed``,
    ///   or the ``LedgerError/io(operation:path:errno:)`` that failed this write.
    @discardableResult
    public func append(_ record: LedgerRecord) async throws -> UInt64 {
        try await append(record, key: nil).seq
    }

    /// Records `record` under the client's `key` (an idempotency key: a SIP Call-ID, a CRM
    /// event id): the first write under a key of a record type is recorded; a repeat about the
    /// same number records nothing and gets the first one's sequence number
    /// (``LedgerReceipt/duplicate``); a repeat about another number throws
    /// ``LedgerError/keyReused(key:seq:number:)``. Keys are remembered as long as the ledger
    /// holds their record.
    public func append(_ record: LedgerRecord, key: String?) async throws -> LedgerReceipt {
        try await withCheckedThrowingContinuation { continuation in
            append(record, key: key) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }

    /// The same, calling `completion` from the writer thread once the record is on disk and
    /// in memory (or failed). Records are written in the order of these calls, so a caller
    /// that submits several without waiting keeps their order and shares their fdatasync.
    public func append(
        _ record: LedgerRecord, key: String?, completion: @escaping @Sendable (Result<LedgerReceipt, LedgerError>) -> Void
    ) {
        writer.submit(.append(record, key: key, completion))
    }

    /// Why the ledger cannot record now (a write or sync failed and no retry has succeeded
    /// since), or nil when it records. Every decision reads it: one atomic load when healthy.
    public var failure: String? {
        if writer.healthy.load(ordering: .relaxed) { return nil }
        return writer.figures.withLock { $0.failure } ?? "the ledger cannot record"
    }

    /// Calls `handler` when the ledger fails (with why) and when it records again (nil), from
    /// the ledger's writer thread: for the journal and the status line.
    public func onHealthChange(_ handler: @escaping @Sendable (String?) -> Void) {
        writer.onHealthChange.withLock { $0 = handler }
    }

    /// What the ledger knows about `number`; empty for a number it never saw. Takes a lock
    /// only for the lookup and copy.
    public func facts(for number: PhoneNumber) -> LedgerFacts {
        writer.state.withLock { $0.facts(for: number.key) }
    }

    /// The number of the write recorded under the client key `key` for records of `type`
    /// (``LedgerRecord/typeName``), if the ledger holds one.
    public func number(writtenUnder key: String, type: String) -> PhoneNumber? {
        writer.state.withLock { $0.keyedWrite(type: type, key: key)?.number }
    }

    /// Sizes and disk behaviour, for STATS. Never waits for the disk.
    public var stats: LedgerStats {
        var stats = writer.state.withLock { $0.counts }
        let figures = writer.figures.withLock { $0 }
        stats.bytes = figures.bytes
        stats.lastSeq = figures.lastSeq
        stats.appends = figures.appends
        stats.commits = figures.commits
        stats.fsyncs = figures.fsyncs
        stats.lastFsyncLatency = figures.lastFsyncLatency
        stats.maxFsyncLatency = figures.maxFsyncLatency
        stats.compactions = figures.compactions
        stats.lastCompaction = figures.lastCompaction
        stats.failure = figures.failure
        return stats
    }

    /// Rewrites the file keeping opt-outs and consents forever and attempts and refusals only
    /// within their windows (plus a two-day margin), on the calling thread.
    ///
    /// Appends go on while the bulk of the file is copied; they are held (queued, not lost)
    /// only for the last step: copying the lines appended meanwhile, then fsyncing the new
    /// file, renaming it over the old one and fsyncing the directory. Memory is rebuilt to
    /// match the new file. A failure before the rename leaves the ledger as it was; one after
    /// it makes the ledger unavailable. One compaction at a time: a second waits for the first.
    ///
    /// Blocks for as long as reading and writing the file takes: from async code use
    /// ``compactWithoutBlocking(now:keepAttemptsDays:keepRefusalsDays:)``.
    @discardableResult
    public func compact(now: Date, keepAttemptsDays: Int, keepRefusalsDays: Int) throws -> LedgerCompactionReport {
        try writer.compact(LedgerCompaction(now: now, keepAttemptsDays: keepAttemptsDays, keepRefusalsDays: keepRefusalsDays))
    }

    /// The same compaction, run on a thread of its own, so that no cooperative thread blocks on
    /// the disk while it reads and writes the file.
    @discardableResult
    public func compactWithoutBlocking(
        now: Date, keepAttemptsDays: Int, keepRefusalsDays: Int
    ) async throws -> LedgerCompactionReport {
        let compaction = LedgerCompaction(now: now, keepAttemptsDays: keepAttemptsDays, keepRefusalsDays: keepRefusalsDays)
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { [writer] in
                Thread.current.name = "ledger-compact"  // from inside, at most 15 bytes (LedgerWriter.start)
                continuation.resume(with: Result { () throws(LedgerError) in try writer.compact(compaction) })
            }
            thread.start()
        }
    }

    /// Calls `hook` (tests only) on the compaction's thread after each pass that copied lines
    /// without holding appends back, with the pass's number (1 first).
    func onCompactionPass(_ hook: (@Sendable (Int) -> Void)?) {
        writer.onCompactionPass.withLock { $0 = hook }
    }

    /// Writes what is queued, stops the writer thread, closes the file and unlocks the
    /// directory. Later appends throw ``LedgerError/closed``. Idempotent; also done on deinit.
    public func close() {
        writer.close()
    }
}
