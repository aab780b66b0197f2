import DialGateCore
import DialGateLedger
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import DialGateDaemon

/// The compaction Service: when it compacts, and with which windows.
@Suite("The ledger compaction service")
struct LedgerCompactionServiceTests {
    let scratch = ScratchDirectory()
    let alice = try! PhoneNumber(parsing: "06 12 34 56 78")
    /// Day 100 of the test's calendar; the attempt on day 0 is past any window.
    let now = Date(timeIntervalSince1970: 100 * 86_400)

    func day(_ days: Double) -> Date { Date(timeIntervalSince1970: days * 86_400) }

    @Test("the compaction service compacts at start and stops on graceful shutdown")
    func service() async throws {
        let ledger = try Ledger(directory: scratch.path)
        try await ledger.append(.attempt(number: alice, campaign: "c", at: day(0)))
        let service = LedgerCompactionService(
            ledger: ledger, interval: .seconds(3600), windows: { (30, 61) }, logger: Logger(label: "test"),
            now: { [now] in now })
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while ledger.stats.compactions == 0 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(ledger.stats.compactions == 1)
        #expect(ledger.facts(for: alice).isEmpty)
    }
}

@Suite("Compaction follows the policy in force")
struct CompactionWindowTests {
    @Test("compaction reads its windows at each run: a refusal a widened quiet period still needs is kept")
    func windowsAreReadAtEachRun() async throws {
        let scratch = ScratchDirectory()
        let alice = try PhoneNumber(parsing: "+33612345678")
        let now = Date(timeIntervalSince1970: 1_796_030_100)
        let ledger = try Ledger(directory: scratch.path)
        defer { ledger.close() }
        // A refusal 80 days ago: outside the default 60-day quiet period, inside a widened 90.
        try await ledger.append(.refusal(number: alice, campaign: "c", at: now.addingTimeInterval(-80 * 86_400)))
        let windows = Mutex((attemptsDays: 30, refusalsDays: 91))
        let service = LedgerCompactionService(
            ledger: ledger, interval: .milliseconds(20), windows: { windows.withLock { $0 } }, logger: Logger(label: "test"),
            now: { now })
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while ledger.stats.compactions < 2 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(ledger.facts(for: alice).refusals.count == 1, "the widened window keeps it")
            windows.withLock { $0.refusalsDays = 61 }
            let seen = ledger.stats.compactions
            while ledger.stats.compactions < seen + 2 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(ledger.facts(for: alice).refusals.isEmpty, "the narrowed window lets it go")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
