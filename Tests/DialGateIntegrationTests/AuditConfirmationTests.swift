import DialGateSystemd
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The running daemon reads its own audit entries back from the real journal and says, in
/// STATS, how far they are confirmed.
@Suite("The daemon confirms its own audit trail")
struct AuditConfirmationTests {
    /// The example configuration with read-backs every second, so the tests wait little.
    static func confirmingEverySecond(_ config: String) -> String {
        config.replacingOccurrences(of: "number = \"pseudonym\"", with: "number = \"pseudonym\"\nconfirm-interval-seconds = 1")
    }

    @Test("after N decisions STATS shows audit_confirmed_seq reaching N, with nothing missing")
    func confirmedSequenceReachesTheDecisions() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(configure: Self.confirmingEverySecond, lists: TestLists.standard)
            let client = try daemon.client()
            let decisions = 50
            for index in 0..<decisions {
                let number = TestLists.expected[index % TestLists.expected.count].number
                _ = try client.ask("CHECK \(number) campaign=fibre-promo at=\(TestLists.monday)")
            }
            let stats = try eventually(within: 30, every: 0.2) { () throws -> String? in
                let stats = try client.ask("STATS")
                return RunningDaemon.field("audit_confirmed_seq", in: stats) == String(decisions) ? stats : nil
            }
            let last = (try? client.ask("STATS")) ?? "-"
            let confirmed = try #require(stats, "audit_confirmed_seq never reached \(decisions): \(last)")
            #expect(RunningDaemon.field("audit_seq", in: confirmed) == String(decisions))
            #expect(RunningDaemon.field("audit_missing", in: confirmed) == "0")
            #expect(RunningDaemon.field("audit_confirmation", in: confirmed) == nil)
            #expect(daemon.stop() == 0)
        }
    }

    @Test("audit verify counts sequenced ledger events in the run's sequence, and ignores unsequenced ones")
    func verifyCountsSequencedLedgerEvents() async throws {
        try await onOwnThread {
            // A run as a daemon with one sequence for decisions and ledger events writes it:
            // 1 decision, 2 ledger event, 3 decision lost, 4 ledger event; plus a ledger event
            // without a number, as older daemons wrote them.
            let run = "ledgerseq" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try Journal.send(["MESSAGE_ID": AuditMessageID.started, "DIALGATE_RUN": run, "MESSAGE": "test run started"])
            try Journal.send([
                "MESSAGE_ID": AuditMessageID.decision, "DIALGATE_RUN": run, "DIALGATE_SEQ": "1", "MESSAGE": "test decision 1",
            ])
            for seq in ["2", "4"] {
                try Journal.send([
                    "MESSAGE_ID": AuditMessageID.ledgerRecord, "DIALGATE_RUN": run, "DIALGATE_SEQ": seq,
                    "DIALGATE_EVENT": "optout", "MESSAGE": "test ledger event \(seq)",
                ])
            }
            try Journal.send([
                "MESSAGE_ID": AuditMessageID.ledgerRecord, "DIALGATE_RUN": run, "DIALGATE_EVENT": "consent",
                "MESSAGE": "test ledger event without a number",
            ])
            try Journal.send([
                "MESSAGE_ID": AuditMessageID.stopping, "DIALGATE_RUN": run, "DIALGATE_LAST_SEQ": "4", "MESSAGE": "test run stopped",
            ])
            _ = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: 6)

            let (status, output) = try AuditCommandTests.dialgate(["audit", "verify", "--run", run])
            #expect(status == 1)
            #expect(output.contains(" seq=1..4 entries=3 last-seq=4 missing=3 pid=\(getpid()) result=incomplete\n"))
        }
    }
}
