import DialGateCore
import Foundation
import Testing

@testable import DialGateLedger

/// A fresh directory on the real file system (so fsync is real), removed afterwards.
final class LedgerScratchDirectory: Sendable {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dialgate-ledger-tests-\(UUID().uuidString)").path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    var logPath: String { path + "/ledger.log" }

    var logBytes: [UInt8] {
        get { Array(FileManager.default.contents(atPath: logPath) ?? Data()) }
    }

    func writeLog(_ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: logPath))
    }

    /// The log's lines, without their newlines.
    var logLines: [String] {
        String(decoding: logBytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    func files(withPrefix prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }
}

func phone(_ text: String) -> PhoneNumber { try! PhoneNumber(parsing: text) }

/// 2026-08-11T10:15:00Z, plus `days`.
func day(_ days: Double, seconds: Double = 0) -> Date {
    Date(timeIntervalSince1970: 1_786_443_300 + days * 86_400 + seconds)
}

@Suite("Ledger")
struct LedgerTests {
    let scratch = LedgerScratchDirectory()
    let alice = phone("06 12 34 56 78")
    let bob = phone("0692 12 34 56")

    @Test("every acknowledged record is replayed after reopening")
    func appendThenReopen() async throws {
        let consent = ConsentRecord(kind: .prospecting, scope: "*", givenAt: day(0, seconds: 0.0004), proof: "web form v3")
        let records: [LedgerRecord] = [
            .optOut(number: alice, at: day(1, seconds: 0.1234), source: "agent:7"),
            .consent(number: bob, consent),
            .attempt(number: bob, campaign: "spring", at: day(2)),
            .refusal(number: bob, campaign: "spring", at: day(2, seconds: 30)),
            .attempt(number: bob, campaign: "autumn", at: day(3)),
        ]
        let ledger = try Ledger(directory: scratch.path)
        #expect(ledger.openReport.created)
        var seqs: [UInt64] = []
        for record in records { seqs.append(try await ledger.append(record)) }
        #expect(seqs == [1, 2, 3, 4, 5])
        let before = (ledger.facts(for: alice), ledger.facts(for: bob))
        ledger.close()

        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.openReport == LedgerOpenReport(recordsReplayed: 5, lastSeq: 5))
        #expect(reopened.facts(for: alice) == before.0)
        #expect(reopened.facts(for: bob) == before.1)
        #expect(reopened.facts(for: alice).internalOptOut == day(1, seconds: 0.123))
        #expect(reopened.facts(for: alice).internalOptOutSource == "agent:7")
        #expect(reopened.facts(for: bob).consents == [consent.atMillisecond])
        #expect(reopened.facts(for: bob).attempts == [day(2), day(3)])
        #expect(reopened.facts(for: bob).refusals == [day(2, seconds: 30)])
        #expect(try await reopened.append(.attempt(number: alice, campaign: "c", at: day(4))) == 6)
    }

    @Test("facts for a number the ledger never saw are empty")
    func unknownNumber() throws {
        let ledger = try Ledger(directory: scratch.path)
        #expect(ledger.facts(for: alice) == .none)
        #expect(ledger.facts(for: alice).isEmpty)
    }

    @Test("an opt-out is visible to the very next lookup once acknowledged")
    func optOutAppliesAtOnce() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.optOut(number: alice, at: day(0), source: "ivr"))
        #expect(ledger.facts(for: alice).internalOptOut == day(0))
        #expect(ledger.facts(for: bob).isEmpty)
    }

    @Test("after append returns the line is in the file, read through another descriptor, and fdatasync ran")
    func appendIsDurableOnReturn() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let fsyncsBefore = ledger.stats.fsyncs
        try await ledger.append(.optOut(number: alice, at: day(0), source: "agent:7"))
        let lines = scratch.logLines
        #expect(lines.count == 1)
        #expect(lines.first?.hasSuffix("\toptout\t+33612345678\t2026-08-11T10:15:00.000Z\tagent:7") == true)
        let stats = ledger.stats
        #expect(stats.fsyncs == fsyncsBefore + 1)
        #expect(stats.appends == 1)
        #expect(stats.lastFsyncLatency != nil)
        #expect(stats.bytes == UInt64(scratch.logBytes.count))
    }

    @Test("the earliest opt-out wins and a later one does not move it")
    func earliestOptOut() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.optOut(number: alice, at: day(5), source: "second"))
        try await ledger.append(.optOut(number: alice, at: day(1), source: "first"))
        try await ledger.append(.optOut(number: alice, at: day(9), source: "third"))
        #expect(ledger.facts(for: alice).internalOptOut == day(1))
        #expect(ledger.facts(for: alice).internalOptOutSource == "first")
        #expect(ledger.stats.optOuts == 1)
    }

    @Test("the ledger keeps consents as given and withdrawals in order, and reopening replays the same facts")
    func consentsAndWithdrawalsReplay() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let given = ConsentRecord(kind: .prospecting, scope: "*", givenAt: day(0), proof: "p1")
        let otherKind = ConsentRecord(kind: .offHours, scope: "camp-1", givenAt: day(0), proof: "p2")
        let later = ConsentRecord(kind: .prospecting, scope: "camp-1", givenAt: day(3), proof: "p3")
        for consent in [given, otherKind] { try await ledger.append(.consent(number: alice, consent)) }
        try await ledger.append(.consentRevoked(number: alice, scope: "camp-1", kind: .prospecting, at: day(2)))
        try await ledger.append(.consent(number: alice, later))
        try await ledger.append(.consentRevoked(number: alice, scope: "energy", kind: .prospecting, at: day(4)))

        let withdrawals = [
            ConsentRevocation(kind: .prospecting, scope: "camp-1", at: day(2)),
            ConsentRevocation(kind: .prospecting, scope: "energy", at: day(4)),
        ]
        #expect(ledger.facts(for: alice).consents == [given, otherKind, later])
        #expect(ledger.facts(for: alice).revocations == withdrawals)
        ledger.close()
        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.facts(for: alice).consents == [given, otherKind, later])
        #expect(reopened.facts(for: alice).revocations == withdrawals)
    }

    @Test("replayed withdrawals end earlier consents for the calls they name only: by campaign, by category, by *")
    func replayedWithdrawalsEndConsentsPerCampaign() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.consent(number: alice, ConsentRecord(scope: "*", givenAt: day(0), proof: "p")))
        try await ledger.append(.consentRevoked(number: alice, scope: "camp-1", kind: .prospecting, at: day(1)))
        try await ledger.append(.consentRevoked(number: alice, scope: "energy", kind: .prospecting, at: day(1)))
        try await ledger.append(.consent(number: bob, ConsentRecord(scope: "camp-2", givenAt: day(0), proof: "p")))
        try await ledger.append(.consentRevoked(number: bob, scope: "*", kind: .prospecting, at: day(1)))
        ledger.close()
        let reopened = try Ledger(directory: scratch.path)
        func standing(_ number: PhoneNumber, _ campaign: Campaign) -> ConsentStanding {
            let recorded = reopened.facts(for: number)
            return CallFacts(consents: recorded.consents, revocations: recorded.revocations)
                .consent(.prospecting, for: campaign, at: day(2))
        }
        let camp1 = Campaign(id: "camp-1", offers: ["telecom"])
        let camp2 = Campaign(id: "camp-2", offers: ["telecom"])
        let solar = Campaign(id: "solar", offers: ["energy"])
        #expect(standing(alice, camp1) == .absent(.revoked))
        #expect(standing(alice, solar) == .absent(.revoked))
        #expect(standing(alice, camp2).consent?.scope == "*")
        #expect(standing(bob, camp2) == .absent(.revoked))
    }

    @Test("a consent recorded after a withdrawal but given before it is withdrawn too; one given after counts")
    func lateImportedConsentIsWithdrawn() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.consentRevoked(number: alice, scope: "*", kind: .prospecting, at: day(5)))
        try await ledger.append(.consent(number: alice, ConsentRecord(givenAt: day(1), proof: "old import")))
        let recorded = ledger.facts(for: alice)
        let campaign = Campaign(id: "camp-1", offers: ["telecom"])
        let facts = CallFacts(consents: recorded.consents, revocations: recorded.revocations)
        #expect(facts.consent(.prospecting, for: campaign, at: day(6)) == .absent(.revoked))
        try await ledger.append(.consent(number: alice, ConsentRecord(givenAt: day(6), proof: "new form")))
        let renewed = ledger.facts(for: alice)
        #expect(
            CallFacts(consents: renewed.consents, revocations: renewed.revocations)
                .consent(.prospecting, for: campaign, at: day(7)).consent?.proof == "new form")
    }

    @Test("attempts reported out of order are kept in date order")
    func attemptsInOrder() async throws {
        let ledger = try Ledger(directory: scratch.path)
        for offset in [3.0, 1, 2, 0] { try await ledger.append(.attempt(number: alice, campaign: "c", at: day(offset))) }
        #expect(ledger.facts(for: alice).attempts == [day(0), day(1), day(2), day(3)])
    }

    @Test("concurrent appends from 1000 tasks are all durable, replayed, with consecutive sequence numbers")
    func concurrentAppends() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let numbers = (0..<1000).map { phone("+3361\(String(format: "%07d", $0))") }
        let clock = ContinuousClock()
        let start = clock.now
        let seqs = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for (index, number) in numbers.enumerated() {
                group.addTask {
                    try await ledger.append(.attempt(number: number, campaign: "c\(index % 7)", at: day(0, seconds: Double(index))))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let elapsed = clock.now - start
        let stats = ledger.stats
        print(
            "ledger group commit: 1000 concurrent appends in \(elapsed), \(stats.commits) commits (fdatasync), "
                + "\(Int(1000 / elapsed.seconds)) appends/s, max fdatasync \(stats.maxFsyncLatency.map { "\($0)" } ?? "-")")
        #expect(seqs.sorted() == Array(1...1000))
        #expect(stats.appends == 1000)
        #expect(stats.fsyncs == stats.commits)
        #expect(stats.commits <= 1000)
        ledger.close()

        #expect(scratch.logLines.map { $0.prefix { $0 != "\t" } } == (1...1000).map { "\($0)"[...] })
        let reopened = try Ledger(directory: scratch.path)
        #expect(reopened.openReport.recordsReplayed == 1000)
        for (index, number) in numbers.enumerated() {
            #expect(reopened.facts(for: number).attempts == [day(0, seconds: Double(index))])
        }
    }

    @Test("sustained appends from 64 workers are all acknowledged once each (prints the throughput)")
    func sustainedAppends() async throws {
        let ledger = try Ledger(directory: scratch.path)
        let clock = ContinuousClock()
        var start = clock.now
        for index in 0..<100 { try await ledger.append(.attempt(number: alice, campaign: "seq", at: day(0, seconds: Double(index)))) }
        let sequential = clock.now - start
        let commitsBefore = ledger.stats.commits

        start = clock.now
        let seqs = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for worker in 0..<64 {
                group.addTask {
                    var seqs: [UInt64] = []
                    for index in 0..<100 {
                        seqs.append(try await ledger.append(.attempt(number: bob, campaign: "w\(worker)", at: day(0, seconds: Double(index)))))
                    }
                    return seqs
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let concurrent = clock.now - start
        let commits = ledger.stats.commits - commitsBefore
        print(
            "ledger throughput: one at a time \(Int(100 / sequential.seconds)) appends/s; "
                + "64 workers \(Int(6400 / concurrent.seconds)) appends/s, \(6400 / Int(max(commits, 1))) appends per fdatasync")
        #expect(seqs.sorted() == Array(101...6500))
        #expect(ledger.facts(for: bob).attempts.count == 6400)
    }

    @Test("a second ledger on the same directory is refused while the first is open")
    func exclusiveDirectory() throws {
        let ledger = try Ledger(directory: scratch.path)
        #expect(throws: LedgerError.inUse(path: scratch.path)) { try Ledger(directory: scratch.path) }
        ledger.close()
        _ = try Ledger(directory: scratch.path)
    }

    @Test("a lock released within a moment is waited for, not reported as a second daemon")
    func briefLockIsWaitedFor() throws {
        let first = try Ledger(directory: scratch.path)
        let released = Thread {
            usleep(100_000)
            first.close()
        }
        released.start()
        let second = try Ledger(directory: scratch.path)
        second.close()
    }

    @Test("a record that cannot be written fails alone, and the ledger goes on")
    func invalidRecord() async throws {
        let ledger = try Ledger(directory: scratch.path)
        await #expect(throws: LedgerError.self) {
            try await ledger.append(.attempt(number: alice, campaign: "c", at: Date(timeIntervalSince1970: -5)))
        }
        #expect(try await ledger.append(.attempt(number: alice, campaign: "c", at: day(0))) == 1)
        #expect(ledger.stats.failure == nil)
    }

    @Test("appends after close are refused")
    func closed() async throws {
        let ledger = try Ledger(directory: scratch.path)
        ledger.close()
        ledger.close()
        await #expect(throws: LedgerError.closed) {
            try await ledger.append(.optOut(number: alice, at: day(0), source: "s"))
        }
    }

    @Test("opening creates missing directories")
    func createsDirectories() throws {
        let nested = scratch.path + "/state/dialgate"
        let ledger = try Ledger(directory: nested)
        #expect(FileManager.default.fileExists(atPath: nested + "/ledger.log"))
        #expect(ledger.openReport.created)
    }

    @Test("stats count what the ledger holds")
    func stats() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.optOut(number: alice, at: day(0), source: "s"))
        try await ledger.append(.consent(number: bob, ConsentRecord(givenAt: day(0), proof: "p")))
        try await ledger.append(.consentRevoked(number: bob, scope: "*", kind: .prospecting, at: day(1)))
        try await ledger.append(.attempt(number: bob, campaign: "c", at: day(0)))
        try await ledger.append(.refusal(number: bob, campaign: "c", at: day(0)))
        let stats = ledger.stats
        #expect(stats.records == 5)
        #expect(stats.optOuts == 1)
        #expect(stats.consents == 1)
        #expect(stats.consentRevocations == 1)
        #expect(stats.attempts == 1)
        #expect(stats.refusals == 1)
        #expect(stats.numbers == 2)
        #expect(stats.lastSeq == 5)
    }
}

extension ConsentRecord {
    var atMillisecond: ConsentRecord {
        var copy = self
        copy.givenAt = givenAt.atMillisecondPrecision
        copy.revokedAt = revokedAt?.atMillisecondPrecision
        return copy
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
