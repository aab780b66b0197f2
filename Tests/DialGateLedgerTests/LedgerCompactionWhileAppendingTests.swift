import DialGateCore
import Dispatch
import Foundation
import Synchronization
import Testing

@testable import DialGateLedger

/// A compaction copies the bulk of the file without holding appends back, and a failure
/// before its rename leaves the ledger as it was, whatever step it fails in.
@Suite("Ledger compaction while appending")
struct LedgerCompactionWhileAppendingTests {
    let scratch = LedgerScratchDirectory()
    /// "Now" for these tests: 100 days after `day(0)`.
    let now = day(100)

    /// Writes `count` records straight into a fresh ledger file (faster than appending them):
    /// every other one an attempt too old to keep, the others recent attempts and, one in ten,
    /// opt-outs. Half the records are kept by a compaction at ``now``.
    func writeLargeLedger(records count: Int) throws {
        try FileManager.default.createDirectory(atPath: scratch.path, withIntermediateDirectories: true)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 96)
        for index in 0..<count {
            let number = PhoneNumber(key: 33_610_000_000 + UInt64(index))!
            let record: LedgerRecord =
                index % 2 == 0
                ? .attempt(number: number, campaign: "old", at: day(0))
                : index % 10 == 1
                    ? .optOut(number: number, at: day(1), source: "import") : .attempt(number: number, campaign: "recent", at: day(90))
            try LedgerCodec.encode(seq: UInt64(index + 1), .record(record), into: &bytes)
        }
        try scratch.writeLog(bytes)
    }

    /// The sequence number of the `compacted` marker in the file, if there is one.
    func markerSeq() -> UInt64? {
        for line in scratch.logLines {
            if case .entry(let seq, .compacted) = LedgerCodec.decode(Array(line.utf8)[...]) { return seq }
        }
        return nil
    }

    @Test(
        "appends go on while a compaction copies a large ledger, and are all acknowledged, durable, replayed and numbered consecutively (prints the longest wait)"
    )
    func appendsGoOnWhileCopying() async throws {
        let records = 200_000
        let writers = 16
        let appendsPerWriter = 250
        let appendsWhileCopying = 2_000
        try writeLargeLedger(records: records)
        let ledger = try Ledger(directory: scratch.path)
        let progress = CompactionProgress()
        // The compaction waits in its copy step (appends not held back) until the writers below
        // have had `appendsWhileCopying` appends acknowledged; they get them only if nothing
        // holds appends back then. (The wait's bound only keeps a broken ledger from hanging
        // the suite.)
        ledger.onCompactionPass { pass in
            guard pass == 1 else { return }
            progress.copying.store(true, ordering: .sequentiallyConsistent)
            progress.copyBegun.store(true, ordering: .sequentiallyConsistent)
            let resumed = progress.resume.wait(timeout: .now() + .seconds(300)) == .success
            progress.copying.store(false, ordering: .sequentiallyConsistent)
            progress.resumedByAppends.store(resumed, ordering: .sequentiallyConsistent)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await withThrowingTaskGroup(of: CompactionRace.self) { group in
            group.addTask {
                let report = try await ledger.compactWithoutBlocking(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
                return .compaction(report, clock.now - start)
            }
            for worker in 0..<writers {
                group.addTask {
                    // From the start of the copy on, so that the compaction has work left when
                    // they are done: a bounded load rather than one as fast as a debug build's
                    // copy, which would keep the copy passes chasing it.
                    while !progress.copyBegun.load(ordering: .sequentiallyConsistent) {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    var seqs: [UInt64] = []
                    var longest = Duration.zero
                    var index = 0
                    while index < appendsPerWriter {
                        let number = PhoneNumber(key: 33_700_000_000 + UInt64(worker) * 1_000_000 + UInt64(index))!
                        let begun = clock.now
                        seqs.append(try await ledger.append(.attempt(number: number, campaign: "during", at: day(99))))
                        longest = max(longest, clock.now - begun)
                        index += 1
                        if progress.copying.load(ordering: .sequentiallyConsistent),
                            progress.acknowledgedWhileCopying.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue == appendsWhileCopying
                        {
                            progress.resume.signal()
                        }
                    }
                    return .appends(worker: worker, seqs: seqs, longest: longest)
                }
            }
            return try await group.reduce(into: [CompactionRace]()) { $0.append($1) }
        }
        let (report, duration) = try #require(outcome.lazy.compactMap(\.compaction).first)
        let appends = outcome.compactMap(\.appends)
        let seqs = appends.flatMap(\.seqs)
        let longest = appends.map(\.longest).max() ?? .zero
        print(
            "compaction of \(records) records (\(report.bytesBefore / 1_000_000) MB) with \(writers) writers appending: "
                + "took \(duration), held appends back for \(report.appendsHeld); \(seqs.count) appends meanwhile, "
                + "the longest waited \(longest)")

        let resumedByAppends = progress.resumedByAppends.load(ordering: .sequentiallyConsistent)
        let acknowledgedWhileCopying = progress.acknowledgedWhileCopying.load(ordering: .sequentiallyConsistent)
        #expect(resumedByAppends, "appends were acknowledged while the compaction was copying")
        #expect(acknowledgedWhileCopying >= appendsWhileCopying)
        #expect(seqs.count == writers * appendsPerWriter)
        #expect(report.dropped == records / 2)
        // Every number once: the appends' and the compaction marker's, consecutive after the
        // records written before.
        let marker = try #require(markerSeq())
        #expect((seqs + [marker]).sorted() == Array(UInt64(records + 1)...UInt64(records + seqs.count + 1)))
        for entry in appends {
            #expect(entry.seqs == entry.seqs.sorted(), "worker \(entry.worker)'s appends are numbered in the order acknowledged")
        }
        let stats = ledger.stats
        #expect(stats.records == records / 2 + seqs.count)
        #expect(stats.bytes == UInt64(scratch.logBytes.count))
        ledger.close()

        let reopened = try Ledger(directory: scratch.path)
        defer { reopened.close() }
        #expect(reopened.openReport.recordsReplayed == records / 2 + seqs.count)
        #expect(reopened.openReport.lastSeq == UInt64(records + seqs.count + 1))
        #expect(reopened.stats.records == stats.records)
        #expect(reopened.stats.attempts == stats.attempts)
        #expect(reopened.stats.optOuts == stats.optOuts)
        for entry in appends {
            for index in 0..<entry.seqs.count {
                let number = PhoneNumber(key: 33_700_000_000 + UInt64(entry.worker) * 1_000_000 + UInt64(index))!
                #expect(reopened.facts(for: number).attempts == [day(99)])
            }
        }
        #expect(reopened.facts(for: PhoneNumber(key: 33_610_000_000)!).isEmpty, "an old attempt went")
        #expect(reopened.facts(for: PhoneNumber(key: 33_610_000_001)!).internalOptOut == day(1), "an opt-out stayed")
    }

    @Test(
        "a compaction whose new file fails to be written or synced, while copying or while holding appends, leaves the ledger exactly as it was and recording",
        arguments: [LedgerFaults.Operation.write, .sync], [false, true])
    func failedNewFileLeavesTheLedger(operation: LedgerFaults.Operation, whileHoldingAppends: Bool) async throws {
        let faults = LedgerFaults()
        let ledger = try Ledger(directory: scratch.path, options: LedgerOptions(faults: faults))
        defer { ledger.close() }
        let alice = phone("06 12 34 56 78")
        try await ledger.append(.optOut(number: alice, at: day(1), source: "s"))
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(0)))
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(99)))
        let before = scratch.logBytes
        let factsBefore = ledger.facts(for: alice)
        let statsBefore = ledger.stats
        let fault: @Sendable () -> Void = { faults.fail(operation, errno: operation == .write ? ENOSPC : EIO, times: 1, file: "ledger.log.compact") }
        let passes = Atomic<Int>(0)
        if whileHoldingAppends {
            // Armed once the copy is done and synced: the fault hits the last step's write or sync.
            ledger.onCompactionPass { _ in
                if passes.wrappingAdd(1, ordering: .relaxed).newValue == 1 { fault() }
            }
        } else {
            fault()
        }

        await #expect(throws: LedgerError.self) {
            try await ledger.compactWithoutBlocking(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
        }
        let passesRun = passes.load(ordering: .relaxed)
        ledger.onCompactionPass(nil)
        #expect(passesRun == (whileHoldingAppends ? 1 : 0))
        #expect(scratch.logBytes == before)
        #expect(scratch.files(withPrefix: "ledger.log.").isEmpty, "the new file is removed")
        #expect(ledger.facts(for: alice) == factsBefore)
        #expect(ledger.stats.failure == nil)
        #expect(ledger.stats.compactions == 0)
        #expect(ledger.stats.records == statsBefore.records)
        #expect(try await ledger.append(.refusal(number: alice, campaign: "c", at: day(99))) == 4)
        #expect(scratch.logLines.count == 4)

        // And the next compaction, without the fault, goes through.
        let report = try await ledger.compactWithoutBlocking(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
        #expect(report.dropped == 1)
        #expect(ledger.facts(for: alice).attempts == [day(99)])
    }

    @Test("records appended during the copy go through the same rule: an expired one is dropped, in memory as on disk")
    func tailFollowsTheRule() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let alice = phone("06 12 34 56 78")
        let bob = phone("07 11 22 33 44")
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(0)))  // 1, dropped
        try await ledger.append(.optOut(number: alice, at: day(1), source: "s"))  // 2
        let appended = AppendedDuringCopy()
        // During the copy, a late-reported attempt too old to keep and a recent one.
        ledger.onCompactionPass { pass in
            guard pass == 1 else { return }
            let done = DispatchSemaphore(value: 0)
            Task {
                let old = try await ledger.append(.attempt(number: bob, campaign: "late", at: day(2)))
                let recent = try await ledger.append(.attempt(number: bob, campaign: "c", at: day(99)))
                appended.seqs.withLock { $0 = [old, recent] }
                done.signal()
            }
            _ = done.wait(timeout: .now() + .seconds(300))  // only against a hang
        }
        let report = try await ledger.compactWithoutBlocking(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
        #expect(appended.seqs.withLock { $0 } == [3, 4])
        #expect(report.kept == 2)
        #expect(report.dropped == 2)
        #expect(scratch.logLines.map { $0.prefix { $0 != "\t" } } == ["2", "4", "5"])
        #expect(ledger.facts(for: bob).attempts == [day(99)])
        #expect(ledger.facts(for: alice) == LedgerFacts(internalOptOut: day(1), internalOptOutSource: "s"))
        #expect(ledger.stats.records == 2)
        ledger.close()

        let reopened = try Ledger(directory: scratch.path)
        defer { reopened.close() }
        #expect(reopened.openReport == LedgerOpenReport(recordsReplayed: 2, lastSeq: 5))
        #expect(reopened.facts(for: bob).attempts == [day(99)])
        #expect(reopened.facts(for: alice) == LedgerFacts(internalOptOut: day(1), internalOptOutSource: "s"))
    }

    @Test("a compaction whose rename fails leaves the ledger exactly as it was and recording")
    func failedRenameLeavesTheLedger() async throws {
        let ledger = try Ledger(directory: scratch.path)
        defer { ledger.close() }
        let alice = phone("06 12 34 56 78")
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(0)))
        let before = scratch.logBytes
        // Once the new file is written, its name becomes a non-empty directory: renaming it
        // over the ledger's file fails (ENOTDIR), as late as a compaction can fail and still
        // leave the old file in place.
        let newFile = scratch.path + "/ledger.log.compact"
        ledger.onCompactionPass { _ in
            try? FileManager.default.removeItem(atPath: newFile)
            try? FileManager.default.createDirectory(atPath: newFile + "/in-the-way", withIntermediateDirectories: true)
        }
        await #expect(throws: LedgerError.self) {
            try await ledger.compactWithoutBlocking(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
        }
        #expect(scratch.logBytes == before)
        #expect(ledger.facts(for: alice).attempts == [day(0)])
        #expect(ledger.stats.failure == nil)
        #expect(try await ledger.append(.optOut(number: alice, at: day(1), source: "s")) == 2)
    }
}

/// What the writers and the compaction of ``LedgerCompactionWhileAppendingTests`` tell each
/// other.
private final class CompactionProgress: Sendable {
    /// The compaction reached its copy step: the writers start.
    let copyBegun = Atomic<Bool>(false)
    /// The compaction is waiting in its copy step, appends not held back.
    let copying = Atomic<Bool>(false)
    /// Appends acknowledged while `copying`.
    let acknowledgedWhileCopying = Atomic<Int>(0)
    /// Signalled by the writers once enough appends were acknowledged during the copy.
    let resume = DispatchSemaphore(value: 0)
    /// The copy step was resumed by the writers (not by the guard against a hang).
    let resumedByAppends = Atomic<Bool>(false)
}

/// The sequence numbers of records appended from a compaction's pass hook.
private final class AppendedDuringCopy: Sendable {
    let seqs = Mutex<[UInt64]>([])
}

/// One task's result in the race between a compaction and the writers.
private enum CompactionRace: Sendable {
    case compaction(LedgerCompactionReport, Duration)
    case appends(worker: Int, seqs: [UInt64], longest: Duration)

    var compaction: (LedgerCompactionReport, Duration)? {
        if case .compaction(let report, let duration) = self { return (report, duration) }
        return nil
    }

    var appends: (worker: Int, seqs: [UInt64], longest: Duration)? {
        if case .appends(let worker, let seqs, let longest) = self { return (worker, seqs, longest) }
        return nil
    }
}
