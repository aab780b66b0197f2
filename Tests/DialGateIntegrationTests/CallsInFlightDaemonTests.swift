import DialGateClient
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The frequency cap for calls in flight, against the real daemon over its socket: parallel
/// CHECKs from many connections, places that survive a crash, reports sent twice.
@Suite("Calls in flight, on the real daemon")
struct CallsInFlightDaemonTests {
    static let number = TestLists.consenting
    static let check = "CHECK \(number) campaign=fibre-promo at=\(TestLists.monday)"
    static let plan = "PLAN \(number) campaign=fibre-promo at=\(TestLists.monday)"

    static func threeAttempts(_ daemon: RunningDaemon) throws {
        for day in 23...25 {
            let answer = try daemon.ask("ATTEMPT \(number) campaign=fibre-promo at=2026-11-\(day)T10:30:00+01:00")
            #expect(answer.hasPrefix("OK attempt class=done "))
        }
    }

    @Test("fifty CHECKs on fifty connections at once, for a number with 3 attempts in 30 days, get exactly one ALLOW")
    func fiftyParallelChecksGetOneAllow() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            try Self.threeAttempts(daemon)
            let connections = try (0..<50).map { _ in try daemon.client() }
            // Every request is on its way before any answer is read: the daemon decides them at once.
            for (i, connection) in connections.enumerated() { try connection.send(Self.check + " id=c\(i)\n") }
            let all = try connections.map { try $0.readLine() ?? "closed" }
            #expect(all.count { $0.hasPrefix("ALLOW consent ") } == 1)
            #expect(all.count { $0.hasPrefix("DENY frequency-cap ") && $0.contains(" class=later ") } == 49)
            #expect(try daemon.ask(Self.plan).contains(" attempts_30d=4"))
            // The journal holds the one ALLOW, with its reservation.
            let allowed = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)") {
                ($0["DIALGATE_VERDICT"] as? String) == "ALLOW" && $0["DIALGATE_DRY_RUN"] == nil
            }
            #expect(allowed.count == 1)
            #expect((allowed.first?["DIALGATE_RESERVATION"] as? String)?.isEmpty == false)
            #expect(daemon.stop() == 0)
        }
    }

    @Test("an ALLOW's place survives kill -9: after a restart it still counts")
    func aPlaceSurvivesKill9() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            try Self.threeAttempts(daemon)
            #expect(try daemon.ask(Self.check + " key=call-kill").hasPrefix("ALLOW consent "))
            #expect(daemon.stop(signal: SIGKILL) != 0)
            try daemon.start()
            try daemon.waitForSocket()
            #expect(try daemon.ask(Self.check).hasPrefix("DENY frequency-cap "))
            // The report after the restart settles the same place, counted once.
            let reported = try daemon.ask("ATTEMPT \(Self.number) campaign=fibre-promo reservation=call-kill outcome=answered")
            #expect(reported.hasPrefix("OK attempt "))
            #expect(try daemon.ask(Self.plan).contains(" attempts_30d=4"))
            #expect(daemon.stop() == 0)
        }
    }

    @Test("a keyed ATTEMPT sent again after a restart records once and gets the same OK")
    func aKeyedReportRecordsOnceAcrossRestarts() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let report = "ATTEMPT \(Self.number) campaign=fibre-promo key=sip-77@pbx outcome=no-answer"
            let first = try daemon.ask(report)
            #expect(daemon.stop() == 0)
            try daemon.start()
            try daemon.waitForSocket()
            let again = try daemon.ask(report)
            #expect(again.hasPrefix("OK attempt class=done "))
            #expect(again.contains(" duplicate=1"))
            #expect(RunningDaemon.field("ledger_seq", in: again) == RunningDaemon.field("ledger_seq", in: first))
            #expect(try daemon.ask(Self.plan).contains(" attempts_30d=1"))
            #expect(daemon.stop() == 0)
        }
    }

    @Test("200 ATTEMPTs pipelined on one connection share fdatasyncs instead of taking one each")
    func pipelinedWritesShareSyncs() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let fsyncs = { () throws -> Int in
                Int(RunningDaemon.field("ledger_fsyncs", in: try daemon.ask("STATS")) ?? "") ?? -1
            }
            let before = try fsyncs()
            let connection = try daemon.client()
            var batch = ""
            for i in 0..<200 { batch += "ATTEMPT +336550\(String(format: "%05d", i)) campaign=fibre-promo id=a\(i)\n" }
            try connection.send(batch)
            for i in 0..<200 {
                let answer = try connection.readLine() ?? ""
                #expect(answer.hasPrefix("OK attempt id=a\(i) class=done "))
            }
            let used = try fsyncs() - before
            #expect(used >= 1 && used < 100, "200 pipelined writes took \(used) fdatasyncs")
            #expect(daemon.stop() == 0)
        }
    }
}
