import DialGateCore
import Foundation
import Testing

@testable import DialGateLedger

@Suite("Ledger compaction")
struct LedgerCompactionTests {
    let scratch = LedgerScratchDirectory()
    let alice = phone("06 12 34 56 78")
    let bob = phone("07 11 22 33 44")
    /// "Now" for these tests: 100 days after `day(0)`.
    let now = day(100)

    @Test("compaction drops attempts and refusals past their windows and keeps opt-outs and consents forever")
    func dropsExpired() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let consent = ConsentRecord(givenAt: day(-900), proof: "p")
        try await ledger.append(.optOut(number: alice, at: day(-1000), source: "old"))
        try await ledger.append(.consent(number: bob, consent))
        try await ledger.append(.consentRevoked(number: bob, scope: "x", kind: .callback, at: day(-800)))
        try await ledger.append(.attempt(number: bob, campaign: "c", at: day(10)))  // 90 days ago
        try await ledger.append(.attempt(number: bob, campaign: "c", at: day(80)))  // 20 days ago
        try await ledger.append(.refusal(number: bob, campaign: "c", at: day(30)))  // 70 days ago
        try await ledger.append(.refusal(number: bob, campaign: "c", at: day(50)))  // 50 days ago
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(1)))  // 99 days ago

        let report = try ledger.compact(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
        #expect(report.kept == 5)
        #expect(report.dropped == 3)
        #expect(report.bytesAfter < report.bytesBefore)

        let expectedAlice = LedgerFacts(internalOptOut: day(-1000), internalOptOutSource: "old")
        let expectedBob = LedgerFacts(
            consents: [consent], revocations: [ConsentRevocation(kind: .callback, scope: "x", at: day(-800))],
            attempts: [day(80)], refusals: [day(50)])
        #expect(ledger.facts(for: alice) == expectedAlice)
        #expect(ledger.facts(for: bob) == expectedBob)
        #expect(ledger.stats.records == 5)
        #expect(ledger.stats.attempts == 1)
        #expect(ledger.stats.compactions == 1)
        #expect(ledger.stats.bytes == UInt64(scratch.logBytes.count))
        #expect(scratch.files(withPrefix: "ledger.log.").isEmpty)
        ledger.close()

        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.openReport.recordsReplayed == 5)
        #expect(reopened.facts(for: alice) == expectedAlice)
        #expect(reopened.facts(for: bob) == expectedBob)
    }

    @Test(
        "an attempt is kept for its window plus a two-day margin",
        arguments: [(daysAgo: 29.0, kept: true), (31, true), (31.99, true), (32.01, false), (40, false)])
    func margin(daysAgo: Double, kept: Bool) async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(100 - daysAgo)))
        try ledger.compact(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)
        #expect(ledger.facts(for: alice).attempts.isEmpty == !kept)
    }

    @Test("compacted lines keep their sequence numbers, and numbering goes on past the compaction, across reopening")
    func sequenceGoesOn() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.optOut(number: alice, at: day(0), source: "s"))  // 1
        try await ledger.append(.attempt(number: bob, campaign: "c", at: day(0)))  // 2, dropped
        try await ledger.append(.attempt(number: bob, campaign: "c", at: day(1)))  // 3, dropped
        try ledger.compact(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60)  // marker 4
        #expect(scratch.logLines.map { $0.split(separator: "\t")[0] } == ["1", "4"])
        #expect(try await ledger.append(.attempt(number: bob, campaign: "c", at: day(99))) == 5)
        ledger.close()

        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.openReport == LedgerOpenReport(recordsReplayed: 2, lastSeq: 5))
        #expect(try await reopened.append(.attempt(number: bob, campaign: "c", at: day(99))) == 6)
    }

    @Test("appends made while a compaction runs are neither lost nor dropped")
    func appendsDuringCompaction() async throws {
        let ledger = try Ledger(directory: scratch.path)
        // Enough old attempts that the compaction takes a while.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<3000 {
                group.addTask {
                    try await ledger.append(.attempt(number: phone("+3362\(String(format: "%07d", index))"), campaign: "old", at: day(0)))
                }
            }
            try await group.waitForAll()
        }
        let fresh = (0..<500).map { phone("+3363\(String(format: "%07d", $0))") }
        let (seqs, reports) = try await withThrowingTaskGroup(of: (UInt64?, LedgerCompactionReport?).self) { group in
            for (index, number) in fresh.enumerated() {
                if index == 100 || index == 300 {
                    group.addTask {
                        (nil, try await ledger.compactWithoutBlocking(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60))
                    }
                }
                if index == 200 {
                    // The blocking variant, from a thread of its own, racing the writer.
                    group.addTask {
                        let report = try await withCheckedThrowingContinuation { continuation in
                            Thread {
                                continuation.resume(with: Result { try ledger.compact(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60) })
                            }.start()
                        }
                        return (nil, report)
                    }
                }
                group.addTask {
                    (try await ledger.append(.attempt(number: number, campaign: "new", at: day(99))), nil)
                }
            }
            return try await group.reduce(into: ([UInt64](), [LedgerCompactionReport]())) {
                if let seq = $1.0 { $0.0.append(seq) }
                if let report = $1.1 { $0.1.append(report) }
            }
        }
        #expect(seqs.count == 500)
        #expect(reports.count == 3)
        #expect(reports.map(\.dropped).reduce(0, +) == 3000)
        for number in fresh { #expect(ledger.facts(for: number).attempts == [day(99)]) }
        ledger.close()

        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.openReport.recordsReplayed == 500)
        for number in fresh { #expect(reopened.facts(for: number).attempts == [day(99)]) }
        #expect(reopened.facts(for: phone("+33620000000")).isEmpty)
    }

    @Test("a compaction that fails before the rename leaves the ledger as it was, and appends go on")
    func failedCompaction() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(0)))
        let before = scratch.logBytes
        // The temporary file's name is taken by a directory: creating it fails.
        try FileManager.default.createDirectory(atPath: scratch.path + "/ledger.log.compact", withIntermediateDirectories: false)
        #expect(throws: LedgerError.self) { try ledger.compact(now: now, keepAttemptsDays: 30, keepRefusalsDays: 60) }
        #expect(scratch.logBytes == before)
        #expect(ledger.facts(for: alice).attempts == [day(0)])
        #expect(ledger.stats.failure == nil)
        #expect(try await ledger.append(.optOut(number: alice, at: day(1), source: "s")) == 2)
    }
}
