import DialGateAudit
import DialGateSystemd
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `dialgate audit` reads back, from the real journal, what a real daemon wrote.
@Suite("The audit trail as an auditor reads it")
struct AuditCommandTests {
    static func dialgate(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try ChildProcess.run([RunningDaemon.binary("dialgate")] + arguments)
    }

    /// Waits until journald has written the run's stop entry (it writes asynchronously).
    static func waitForStop(of run: String) throws {
        let stopped = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: 1) { entry in
            entry["DIALGATE_LAST_SEQ"] != nil
        }
        guard !stopped.isEmpty else { throw Failure("no stop entry of run \(run) in the journal") }
    }

    @Test("verify proves a run complete: every decision from 1 to the last number its stop entry announces")
    func verifyProvesAStoppedRunComplete() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            let client = try daemon.client()
            for (number, _) in TestLists.expected {
                _ = try client.ask("CHECK \(number) campaign=fibre-promo at=\(TestLists.monday)")
            }
            _ = try client.ask("CHECK 123 campaign=fibre-promo")
            #expect(daemon.stop() == 0)
            try Self.waitForStop(of: run)

            let decisions = TestLists.expected.count + 1
            let (status, output) = try Self.dialgate(["audit", "verify", "--run", run])
            #expect(status == 0)
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            let line = try #require(lines.first)
            #expect(line.hasPrefix("run=\(run) started=20"))
            #expect(!line.contains("stopped=- "))
            #expect(line.contains(" seq=1..\(decisions) entries=\(decisions) last-seq=\(decisions) missing=none pid=\(daemon.process.pid) result=complete"))
            #expect(lines.last == "runs=1 entries=\(decisions) missing=0 result=complete")

            // The same values, one row or object per run, for a spreadsheet or a program.
            let csv = try Self.dialgate(["audit", "verify", "--run", run, "--format", "csv"])
            #expect(csv.status == 0)
            let rows = CSVText.parse(csv.output)
            #expect(rows.count == 2)
            let row = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[1]))
            #expect(row["run"] == run && row["first_seq"] == "1" && row["last_seq"] == String(decisions))
            #expect(row["missing_count"] == "0" && row["pid"] == String(daemon.process.pid) && row["result"] == "complete")
            let jsonl = try Self.dialgate(["audit", "verify", "--run", run, "--format", "jsonl"])
            #expect(jsonl.status == 0)
            let object = try #require(JSONText.parse(jsonl.output) as? [String: String])
            #expect(object == row)
        }
    }

    @Test("verify reports each missing entry of a run, and an entry another process forged into it, and exits 1")
    func verifyFindsMissingAndForeignEntries() async throws {
        try await onOwnThread {
            // A run whose journal lost entries 3 and 5, written by this process as dialgated
            // would have; then an entry 3 forged by another process (logger).
            let run = "forged" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try Journal.send(["MESSAGE_ID": AuditMessageID.started, "DIALGATE_RUN": run, "MESSAGE": "test run started"])
            for seq in [1, 2, 4] {
                try Journal.send([
                    "MESSAGE_ID": AuditMessageID.decision, "DIALGATE_RUN": run, "DIALGATE_SEQ": String(seq),
                    "DIALGATE_VERDICT": "DENY", "DIALGATE_REASON": "bloctel", "MESSAGE": "test decision \(seq)",
                ])
            }
            try Journal.send([
                "MESSAGE_ID": AuditMessageID.stopping, "DIALGATE_RUN": run, "DIALGATE_LAST_SEQ": "5", "MESSAGE": "test run stopped",
            ])
            try Self.journal([
                "MESSAGE_ID=\(AuditMessageID.decision)", "DIALGATE_RUN=\(run)", "DIALGATE_SEQ=3", "DIALGATE_VERDICT=ALLOW",
                "DIALGATE_REASON=consent", "MESSAGE=a forged decision",
            ])
            _ = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: 6)

            let (status, output) = try Self.dialgate(["audit", "verify", "--run", run])
            #expect(status == 1)
            #expect(output.contains(" seq=1..4 entries=3 last-seq=5 missing=3,5 pid=\(getpid()) foreign=1 result=incomplete\n"))
            #expect(output.hasSuffix("runs=1 entries=3 missing=2 result=incomplete\n"))
        }
    }

    @Test("decisions lists a number's decisions, found through its pseudonym, with the verdict, reason and request id")
    func decisionsOfOneNumber() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            let client = try daemon.client()
            let allow = try client.ask("CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday) id=first")
            let deny = try client.ask("CHECK \(TestLists.optedOut) campaign=fibre-promo at=\(TestLists.monday) id=other")
            _ = try client.ask("PLAN \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.sunday) id=second")
            _ = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: 4)
            let keyFile = daemon.statePath + "/audit.key"

            let (status, output) = try Self.dialgate([
                "audit", "decisions", "06.11.11.11.11", "--key-file", keyFile, "--run", run,
            ])
            #expect(status == 0)
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines.count == 2)
            #expect(allow.hasPrefix("ALLOW consent "))
            #expect(lines.first?.contains(" ALLOW consent seq=1 run=\(run) campaign=fibre-promo ") == true)
            #expect(lines.first?.contains(" id=first ") == true)
            #expect(lines.first?.hasSuffix(" writer-pid=\(daemon.process.pid)") == true)
            #expect(lines.last?.contains(" DENY non-calling-day seq=3 ") == true)
            #expect(lines.last?.contains(" id=second ") == true)

            #expect(deny.hasPrefix("DENY internal-optout "))
            let denied = try Self.dialgate(["audit", "decisions", "--verdict", "DENY", "--reason", "internal-optout", "--run", run])
            #expect(denied.status == 0)
            #expect(denied.output.split(separator: "\n").count == 1)
            #expect(denied.output.contains(" id=other "))

            let badNumber = try Self.dialgate(["audit", "decisions", "06 11", "--key-file", keyFile])
            #expect(badNumber.status == 2)
            let badSince = try Self.dialgate(["audit", "verify", "--since", "yesterday"])
            #expect(badSince.status == 2)
            let badVerdict = try Self.dialgate(["audit", "decisions", "--verdict", "MAYBE"])
            #expect(badVerdict.status == 2)
            #expect(badVerdict.output.contains("--verdict must be ALLOW or DENY"))
            let badKey = try Self.dialgate(["audit", "decisions", "06.11.11.11.11", "--key-file", "/nonexistent/audit.key"])
            #expect(badKey.status == 2)
            let badReason = try Self.dialgate(["audit", "decisions", "--reason", "internal-opt-out", "--run", run])
            #expect(badReason.status == 2)
            #expect(badReason.output.contains("is not a reason dialgate gives"))
            let lowercase = try Self.dialgate(["audit", "decisions", "--verdict", "deny", "--reason", "internal-optout", "--run", run])
            #expect(lowercase.status == 0 && lowercase.output.contains(" id=other "))
            let today = try Self.dialgate(["audit", "decisions", "--since", Self.today(), "--run", run, "--verdict", "ALLOW"])
            #expect(today.status == 0 && today.output.contains(" id=first "))
            let none = try Self.dialgate(["audit", "decisions", "--campaign", "saas-pro", "--run", run])
            #expect(none.status == 1)
            #expect(none.output.contains("no decision matched"))
        }
    }

    @Test("verify reading no entry at all is an error, not a complete trail")
    func verifyOfNothingIsAnError() async throws {
        try await onOwnThread {
            let (status, output) = try Self.dialgate(["audit", "verify", "--run", "nonexistent-run"])
            #expect(status == 2)
            #expect(output.contains("no audit entry in scope"))
            #expect(!output.contains("result=complete"))
        }
    }

    /// Today on this machine's clock, `YYYY-MM-DD` (the tests' daemons journal on the real clock).
    static func today() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = .current
        return formatter.string(from: Date())
    }

    /// Writes one journal entry with these fields through logger(1), a writer other than ours.
    static func journal(_ fields: [String]) throws {
        let path = NSTemporaryDirectory() + "dialgate-entry-" + UUID().uuidString
        try (fields.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, output) = try ChildProcess.run(["/usr/bin/logger", "--journald=\(path)"])
        guard status == 0 else { throw Failure("logger --journald failed (\(status)): \(output)") }
    }
}
