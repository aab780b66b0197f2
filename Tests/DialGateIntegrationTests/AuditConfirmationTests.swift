import DialGateAudit
import DialGateClient
import DialGateSystemd
import DialGateTestSupport
import Foundation
import Synchronization
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

    @Test(
        "a journal the daemon cannot read makes the confirmation unavailable, never a gap nor a crash",
        .enabled(if: getuid() == 0, "needs root for a private mount namespace")
    )
    func unreadableJournalIsUnavailableNotAGap() async throws {
        try await onOwnThread {
            // journald still takes the entries, but the daemon sees no journal file, as a
            // daemon user outside the systemd-journal group does.
            var hide = "mount -t tmpfs tmpfs /run/log"
            if FileManager.default.fileExists(atPath: "/var/log/journal") { hide += " && mount -t tmpfs tmpfs /var/log/journal" }
            let daemon = try RunningDaemon(
                configure: Self.confirmingEverySecond, lists: TestLists.standard,
                launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", hide + " && exec \"$0\" \"$@\""])
            let client = try daemon.client()
            let answer = try client.ask("CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)")
            #expect(answer.hasPrefix("ALLOW "))
            let unavailable = try eventually(within: 20, every: 0.2) {
                RunningDaemon.field("audit_confirmation", in: try client.ask("STATS")) == "unavailable"
            }
            #expect(unavailable)
            // Past the grace, the answered entry is still not called missing.
            usleep(11_500_000)
            let stats = try client.ask("STATS")
            #expect(RunningDaemon.field("audit_missing", in: stats) == "0")
            #expect(RunningDaemon.field("audit_confirmation", in: stats) == "unavailable")
            #expect(daemon.stderr.components(separatedBy: "cannot read the journal back").count == 2)
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

    @Test(
        "a journald killed under a flood loses answered entries, and the daemon's alert names exactly the numbers audit verify finds missing",
        .enabled(if: PrivateJournal.isPossible, "needs root, unshare and nsenter for a journald of the test's own")
    )
    func alertNamesWhatVerifyFindsMissing() async throws {
        try await onOwnThread {
            let journal = try PrivateJournal()
            defer { journal.close() }
            try journal.startJournald()
            let daemon = try RunningDaemon(
                configure: Self.confirmingEverySecond, lists: TestLists.standard, launcher: journal.enter)
            let run = try daemon.auditRun()
            let client = try daemon.client()

            // A loss needs datagrams still queued on journald's socket when it dies. A journald
            // that keeps up may have read them all (on a busy machine, often), so it is paused
            // first: the flood's next entries are sent into its socket and wait there, unread,
            // for the kill. Kill again (each time under a new flood) if one still lost nothing.
            var missing: UInt64 = 0
            for _ in 0..<5 where missing == 0 {
                let flood = Flood(socketPath: daemon.socketPath, connections: 4)
                usleep(1_000_000)
                journal.pauseJournald()
                usleep(200_000)
                try journal.killJournald()
                usleep(200_000)
                try journal.startJournald()
                usleep(500_000)
                try flood.stop()
                // Every answered number judged: read back, or past its grace and missing.
                let settled = try eventually(within: 40, every: 0.5) { () throws -> String? in
                    let stats = try client.ask("STATS")
                    let answered = RunningDaemon.field("audit_seq", in: stats)
                    return answered != nil && RunningDaemon.field("audit_confirmed_seq", in: stats) == answered ? stats : nil
                }
                let stats = try #require(settled, "the confirmation never caught up")
                missing = try #require(RunningDaemon.field("audit_missing", in: stats).flatMap(UInt64.init))
            }
            try #require(missing > 0, "five journald kills under a flood lost nothing")
            #expect(daemon.stop() == 0)

            let stopped = try eventually(within: 30) {
                try journal.run(["/usr/bin/journalctl", "--no-pager", "-o", "cat", "DIALGATE_RUN=\(run)", "MESSAGE_ID=\(AuditMessageID.stopping)"])
                    .output.contains("stopped")
            }
            try #require(stopped, "no stop entry in the private journal")
            let (alertsStatus, alertsOutput) = try journal.run([
                "/usr/bin/journalctl", "--no-pager", "-o", "json", "DIALGATE_RUN=\(run)", "MESSAGE_ID=\(AuditMessageID.auditGap)",
            ])
            #expect(alertsStatus == 0)
            let alerts = alertsOutput.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            }
            #expect(!alerts.isEmpty)
            #expect(alerts.allSatisfy { $0["PRIORITY"] as? String == "2" })
            let alerted = Self.numbers(alerts.compactMap { $0["DIALGATE_MISSING"] as? String })

            let (status, output) = try journal.run([RunningDaemon.binary("dialgate"), "audit", "verify", "--run", run])
            #expect(status == 1)
            let verified = try #require(output.split(separator: "\n").first.flatMap { RunningDaemon.field("missing", in: String($0)) })
            #expect(alerted == Self.numbers([verified]), "the daemon alerted \(alerted.count) numbers, verify found missing=\(verified)")
            #expect(UInt64(alerted.count) == missing)
        }
    }

    /// The numbers named by texts such as `3,40..42`.
    static func numbers(_ texts: [String]) -> Set<UInt64> {
        var numbers = Set<UInt64>()
        for text in texts where text != "none" {
            for part in text.split(separator: ",") {
                let bounds = part.split(separator: ".", omittingEmptySubsequences: true).compactMap { UInt64($0) }
                guard let low = bounds.first, let high = bounds.last, low <= high else { continue }
                numbers.formUnion(low...high)
            }
        }
        return numbers
    }
}

/// CHECKs as fast as the daemon answers, on several connections, each sending 50 requests
/// before reading their answers, until stopped.
private final class Flood: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchGroup()
    private let failures = Mutex<[String]>([])

    init(socketPath: String, connections: Int) {
        let batch = String(repeating: "CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)\n", count: 50)
        for _ in 0..<connections {
            done.enter()
            Thread.detachNewThread { [self] in
                defer { done.leave() }
                do {
                    let client = try LineClient(path: socketPath)
                    while !stopping.load(ordering: .relaxed) {
                        try client.send(batch)
                        for _ in 0..<50 { _ = try client.readLine() }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
    }

    /// Stops the flood and waits for every connection to finish; throws if one failed.
    func stop() throws {
        stopping.store(true, ordering: .relaxed)
        done.wait()
        if let failure = failures.withLock({ $0.first }) { throw Failure("flood connection failed: \(failure)") }
    }
}
