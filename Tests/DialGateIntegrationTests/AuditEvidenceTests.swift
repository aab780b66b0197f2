import DialGateAudit
import DialGateSystemd
import DialGateTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The evidence an auditor is handed, from a real daemon through the real journal: which files
/// and rules each decision was made from, the decisions in CSV and JSON, their counts, and the
/// HTML report of a period.
@Suite("The evidence of what was allowed and why")
struct AuditEvidenceTests {
    static func dialgate(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let run = try ChildProcess.capture([RunningDaemon.binary("dialgate")] + arguments, separateStandardError: true)
        return (run.status, run.output, run.errorOutput)
    }

    /// The entries of one run with one MESSAGE_ID, polling until `count` arrived.
    static func entries(of run: String, id: String, atLeast count: Int = 1) throws -> [[String: Any]] {
        try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: count) { $0["MESSAGE_ID"] as? String == id }
    }

    /// A journal field as journalctl's JSON gives it: a string, or an array for a repeated one.
    static func values(_ entry: [String: Any], _ field: String) -> [String] {
        if let one = entry[field] as? String { return [one] }
        return entry[field] as? [String] ?? []
    }

    /// `sha256sum` of a file: the 64 hex digits it prints.
    static func sha256sum(_ path: String) throws -> String {
        let (status, output) = try ChildProcess.run(["/usr/bin/sha256sum", path])
        guard status == 0, let digest = output.split(separator: " ").first else { throw Failure("sha256sum \(path): \(output)") }
        return String(digest)
    }

    /// An ISO-8601 instant `offset` seconds from now (the journal stamps entries on the real clock).
    static func instant(_ offset: TimeInterval) -> String { ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset)) }

    /// Makes known decisions: ALLOW consent, DENY internal-optout, DENY no-consent, DENY
    /// unknown-campaign for a campaign a client made up with a formula, a comma and markup
    /// (`=1+1,<b>x</b>`), and a PLAN for Sunday
    /// (WOULD-DENY non-calling-day).
    static func decide(on daemon: RunningDaemon) throws -> [String] {
        let client = try daemon.client()
        return try [
            "CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday) id=allowed",
            "CHECK \(TestLists.optedOut) campaign=fibre-promo at=\(TestLists.monday)",
            "CHECK \(TestLists.unknown) campaign=fibre-promo at=\(TestLists.monday)",
            "CHECK \(TestLists.consenting) campaign=\"=1+1,<b>x</b>\" at=\(TestLists.monday)",
            "PLAN \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.sunday)",
        ].map { try client.ask($0) }
    }

    @Test("each list load names every file with the SHA-256 of its bytes, and the decisions' snapshot id is made from them")
    func theManifestNamesEachFileWithItsSHA256() async throws {
        try await onOwnThread {
            // One file larger than the loader's 1 MiB read chunk, so its digest spans chunks.
            let cleared = "# dialgate-list kind=bloctel-cleared as-of=2026-11-02\n"
                + (0..<150_000).map { String(format: "0199%06d\n", $0) }.joined()
            #expect(cleared.utf8.count > 1 << 20)
            var lists = TestLists.standard
            lists["bloctel-2026-11-02-cleared.txt"] = cleared
            let daemon = try RunningDaemon(lists: lists)
            let run = try daemon.auditRun()
            _ = try daemon.ask("CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)")
            let load = try #require(try Self.entries(of: run, id: AuditMessageID.listReloaded).first)
            let json = try #require(load["DIALGATE_MANIFEST"] as? String)
            let manifest = try #require(ListManifest(json: json))

            #expect(manifest.files.map(\.name) == lists.keys.sorted())
            for file in manifest.files {
                #expect(file.sha256 == (try Self.sha256sum(daemon.listsPath + "/" + file.name)), "\(file.name)")
            }
            #expect(manifest.files.first { $0.name == "internal-optout.txt" }.map { ($0.kind, $0.asOf, $0.records) }
                .map { $0 == ("internal-optout", "2026-11-01", 3) } == true)
            #expect(manifest.files.first { $0.name == "bloctel-2026-11-02-cleared.txt" }?.records == 150_000)
            #expect(Set(Self.values(load, "DIALGATE_LIST_SHA256")) == Set(manifest.files.map(\.sha256)))
            #expect(Set(Self.values(load, "DIALGATE_LIST_FILE")) == Set(manifest.files.map(\.name)))

            // The id an auditor computes from the files alone, with sha256sum.
            let (status, recomputed) = try ChildProcess.run([
                "/bin/sh", "-c", "cd \(daemon.listsPath) && LC_ALL=C sha256sum -- $(LC_ALL=C ls) | sha256sum",
            ])
            #expect(status == 0)
            let snapshot = try #require(load["DIALGATE_SNAPSHOT"] as? String)
            #expect(load["DIALGATE_SNAPSHOT_SHA256"] as? String == String(recomputed.prefix(64)))
            #expect(snapshot == String(recomputed.prefix(16)))
            let decision = try #require(try Self.entries(of: run, id: AuditMessageID.decision).first)
            #expect(decision["DIALGATE_SNAPSHOT"] as? String == snapshot)
        }
    }

    @Test("start journals the policy in force, and a reload that changes max-attempts journals the new value")
    func aReloadThatChangesMaxAttemptsJournalsTheNewValue() async throws {
        try await onOwnThread {
            // No polling: the edit below is applied by the RELOAD alone.
            let daemon = try RunningDaemon(
                configure: { RunningDaemon.setting($0, key: "reload-poll-seconds", raw: "0") }, lists: TestLists.standard)
            let run = try daemon.auditRun()
            let config = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
            #expect(config.contains("max-attempts = 4"))
            try config.replacingOccurrences(of: "max-attempts = 4", with: "max-attempts = 2")
                .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
            #expect(try daemon.ask("RELOAD").hasPrefix("OK reload "))
            _ = try daemon.ask("CHECK \(TestLists.consenting) campaign=fibre-promo at=\(TestLists.monday)")

            let policies = try Self.entries(of: run, id: AuditMessageID.policyInForce, atLeast: 2)
            #expect(policies.count == 2)
            #expect(policies.map { $0["DIALGATE_TRIGGER"] as? String } == ["start", "command"])
            #expect(policies.map { $0["DIALGATE_POLICY_MAX_ATTEMPTS"] as? String } == ["4", "2"])
            #expect(policies.allSatisfy { $0["DIALGATE_POLICY_ATTEMPT_WINDOW_DAYS"] as? String == "30" })
            #expect(policies.allSatisfy { $0["DIALGATE_POLICY_CONSENT_LIFTS_FREQUENCY_AND_REFUSAL"] as? String == "false" })
            let ids = policies.compactMap { $0["DIALGATE_POLICY_ID"] as? String }
            #expect(ids.count == 2 && ids[0] != ids[1])
            let policy = try #require(policies[1]["DIALGATE_POLICY"] as? String)
            let record = try #require(PolicyRecord(policyJSON: policy, campaignsJSON: policies[1]["DIALGATE_CAMPAIGNS"] as? String))
            #expect(record["max-attempts"] == "2")
            #expect(record.campaigns.contains { $0["id"] == "fibre-promo" })
            #expect(record.id == ids[1])
            // The entry precedes the decisions made under it.
            let decision = try #require(try Self.entries(of: run, id: AuditMessageID.decision).last)
            let policyAt = UInt64(policies[1]["__REALTIME_TIMESTAMP"] as? String ?? "") ?? .max
            #expect(policyAt <= UInt64(decision["__REALTIME_TIMESTAMP"] as? String ?? "") ?? 0)
            // And journalctl finds it by value.
            let found = try JournalQuery.read("DIALGATE_POLICY_MAX_ATTEMPTS=2").filter { $0["DIALGATE_RUN"] as? String == run }
            #expect(found.count == 1)
        }
    }

    @Test("decisions --format csv has a header and one parsable row per decision; --format jsonl one object with every DIALGATE_* field")
    func decisionsAsCSVAndJSONLines() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            let answers = try Self.decide(on: daemon)
            let journaled = try Self.entries(of: run, id: AuditMessageID.decision, atLeast: answers.count)

            let csv = try Self.dialgate(["audit", "decisions", "--run", run, "--format", "csv"])
            #expect(csv.status == 0)
            let rows = CSVText.parse(csv.output)
            #expect(rows.count == answers.count + 1)
            let header = try #require(rows.first)
            #expect(header.prefix(6) == ["written", "verdict", "reason", "seq", "run", "campaign"])
            #expect(rows.allSatisfy { $0.count == header.count })
            let column = { (name: String) in header.firstIndex(of: name)! }
            #expect(rows.dropFirst().map { $0[column("verdict")] + " " + $0[column("reason")] } == [
                "ALLOW consent", "DENY internal-optout", "DENY no-consent", "DENY unknown-campaign", "DENY non-calling-day",
            ])
            #expect(rows[1][column("id")] == "allowed")
            // A campaign with a comma stays one field; one a spreadsheet would run is defused.
            #expect(rows[4][column("campaign")] == "'=1+1,<b>x</b>")
            #expect(rows[5][column("dry-run")] == "1")
            #expect(rows.dropFirst().allSatisfy { $0[column("writer-pid")] == String(daemon.process.pid) })

            let jsonl = try Self.dialgate(["audit", "decisions", "--run", run, "--format", "jsonl"])
            #expect(jsonl.status == 0)
            let objects = try jsonl.output.split(separator: "\n").map { line in
                try #require(JSONText.parse(String(line)) as? [String: String])
            }
            #expect(objects.count == answers.count)
            for (object, entry) in zip(objects, journaled) {
                let fields = entry.filter { $0.key.hasPrefix("DIALGATE_") }.compactMapValues { $0 as? String }
                #expect(object.filter { $0.key.hasPrefix("DIALGATE_") } == fields)
                #expect(object["writer_pid"] == String(daemon.process.pid))
                #expect(object["written"]?.hasSuffix("Z") == true)
            }
        }
    }

    @Test("summary counts what the decisions answered, by verdict, reason, campaign and day, in every format")
    func summaryCountsMatchTheDecisionsMade() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            let answers = try Self.decide(on: daemon)
            #expect(answers.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == [
                "ALLOW consent", "DENY internal-optout", "DENY no-consent", "DENY unknown-campaign", "WOULD-DENY non-calling-day",
            ])
            _ = try Self.entries(of: run, id: AuditMessageID.decision, atLeast: answers.count)
            let today = AuditCommandTests.today()

            let csv = try Self.dialgate(["audit", "summary", "--run", run, "--format", "csv"])
            #expect(csv.status == 0)
            #expect(CSVText.parse(csv.output) == [
                ["day", "campaign", "verdict", "reason", "decisions"],
                [today, "'=1+1,<b>x</b>", "DENY", "unknown-campaign", "1"],
                [today, "fibre-promo", "ALLOW", "consent", "1"],
                [today, "fibre-promo", "DENY", "internal-optout", "1"],
                [today, "fibre-promo", "DENY", "no-consent", "1"],
                [today, "fibre-promo", "WOULD-DENY", "non-calling-day", "1"],
            ])

            let jsonl = try Self.dialgate(["audit", "summary", "--run", run, "--format", "jsonl", "--campaign", "fibre-promo"])
            #expect(jsonl.status == 0)
            let counts = jsonl.output.split(separator: "\n").compactMap { JSONText.parse(String($0)) as? [String: Any] }
            #expect(counts.count == 4)
            #expect(counts.reduce(0) { $0 + (JSONText.integer($1["decisions"]) ?? 0) } == 4)

            let table = try Self.dialgate(["audit", "summary", "--run", run])
            #expect(table.status == 0)
            #expect(table.output.hasPrefix("decisions 5: ALLOW 1, DENY 3, WOULD-DENY 1\n"))
            #expect(table.output.contains("\nby campaign\n"))
            #expect(table.output.contains("\nby day\n"))
            #expect(table.output.contains("\n\(today)      1     3           1      5\n"))
        }
    }

    @Test("a decision whose entry reached the journal after its deadline counts as the DENY audit-unavailable its client got")
    func aLateEntryCountsAsItsAnswer() async throws {
        try await onOwnThread {
            // Written by this process as dialgated would: an ALLOW entry, then the note that
            // it came too late, so the client was answered DENY audit-unavailable.
            let run = "late" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let decision = { (seq: Int, verdict: String, reason: String) in
                try Journal.send([
                    "MESSAGE_ID": AuditMessageID.decision, "DIALGATE_RUN": run, "DIALGATE_SEQ": String(seq),
                    "DIALGATE_VERDICT": verdict, "DIALGATE_REASON": reason, "DIALGATE_CAMPAIGN": "fibre-promo",
                    "MESSAGE": "test decision \(seq)",
                ])
            }
            try Journal.send(["MESSAGE_ID": AuditMessageID.started, "DIALGATE_RUN": run, "MESSAGE": "test run started"])
            try decision(1, "ALLOW", "consent")
            try Journal.send([
                "MESSAGE_ID": AuditMessageID.auditAbandoned, "DIALGATE_RUN": run, "DIALGATE_SEQ": "2",
                "DIALGATE_ABANDONED_SEQ": "1", "MESSAGE": "test: entry 1 reached the journal after its deadline",
            ])
            try decision(3, "ALLOW", "consent")
            _ = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: 4)

            let summary = try Self.dialgate(["audit", "summary", "--run", run, "--format", "csv"])
            #expect(summary.status == 0)
            #expect(CSVText.parse(summary.output).dropFirst().map { $0.dropFirst(2).joined(separator: " ") } == [
                "ALLOW consent 1", "DENY audit-unavailable 1",
            ])
        }
    }

    @Test("the report holds the run and its continuity, the counts, a chart, the files with their SHA-256 and the policy")
    func theReportHoldsTheRunsCountsAndAChart() async throws {
        try await onOwnThread {
            let since = Self.instant(-60)
            let daemon = try RunningDaemon(lists: TestLists.standard)
            let run = try daemon.auditRun()
            _ = try Self.decide(on: daemon)
            #expect(daemon.stop() == 0)
            try AuditCommandTests.waitForStop(of: run)
            let output = daemon.directory + "/report.html"

            let made = try Self.dialgate([
                "audit", "report", "--since", since, "--until", Self.instant(60), "--run", run, "--output", output,
            ])
            #expect(made.status == 0, "\(made.errors)")
            #expect(made.output == "report=\(output) runs=1 decisions=5 snapshots=1 policies=1 result=complete\n")
            let html = try String(contentsOfFile: output, encoding: .utf8)
            #expect(html.hasPrefix("<!DOCTYPE html>"))
            #expect(html.contains("<strong>Complete</strong>"))
            #expect(html.contains("<tr><td>\(run)</td><td class=\"n\">\(daemon.process.pid)</td>"))
            #expect(html.contains("<p>5 decisions: ALLOW 1, DENY 3, WOULD-DENY 1.</p>"))
            #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(html.contains("data-verdict=\"ALLOW\" data-count=\"1\""))
            #expect(html.contains("=1+1,&lt;b&gt;x&lt;/b&gt;"))
            #expect(!html.contains("<b>x</b>"))
            #expect(!html.contains("<script"))
            for name in TestLists.standard.keys {
                #expect(html.contains("<code>\(try Self.sha256sum(daemon.listsPath + "/" + name))</code>"), "\(name)")
            }
            #expect(html.contains("gives this snapshot id"))
            #expect(html.contains("<tr><td>max-attempts</td><td class=\"n\">4</td><td></td><td></td></tr>"))
            var host = [UInt8](repeating: 0, count: 256)
            gethostname(&host, 255)
            #expect(html.contains("<dt>Host</dt><dd>\(HTML.escape(String(decoding: host.prefix { $0 != 0 }, as: UTF8.self)))</dd>"))
            #expect(html.contains("audit report --since"))
        }
    }

    @Test("every bad input exits 2 with a clear message, prints nothing and writes no report")
    func everyBadInputExitsTwoAndWritesNothing() async throws {
        try await onOwnThread {
            let directory = try RunningDaemon.makeScratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let output = directory + "/report.html"
            let period = ["--since", Self.instant(-3600), "--until", Self.instant(60)]
            let cases: [(arguments: [String], message: String)] = [
                (["audit", "report", "--until", Self.instant(0), "--output", output], "--since and --until are required"),
                (["audit", "report", "--since", Self.instant(-60), "--output", output], "--since and --until are required"),
                (["audit", "report"] + period, "--output FILE.html is required"),
                (["audit", "report", "--since", "yesterday", "--until", Self.instant(0), "--output", output], "--since 'yesterday' is neither"),
                (["audit", "report", "--since", Self.instant(0), "--until", Self.instant(-60), "--output", output], "is not before --until"),
                (["audit", "report"] + period + ["--output", directory], "is a directory"),
                (["audit", "report"] + period + ["--output", directory + "/no/such/report.html"], "no directory"),
                (["audit", "report"] + period + ["--run", "no-such-run", "--output", output], "nothing to report (nothing written)"),
                (["audit", "summary", "--format", "xml"], "--format must be one of table, csv, jsonl, not 'xml'"),
                (["audit", "summary", "--until", "soon"], "--until 'soon' is neither"),
                (["audit", "decisions", "--format", "html"], "--format must be one of table, csv, jsonl"),
                (["audit", "decisions", "--reason", "no-such-reason"], "is not a reason dialgate gives"),
                (["audit", "decisions", "--verdict", "MAYBE", "--format", "csv"], "--verdict must be ALLOW or DENY"),
                (["audit", "verify", "--format", "yaml"], "--format must be one of"),
                (["audit", "verify", "--run", "no-such-run", "--format", "jsonl"], "no audit entry in scope"),
            ]
            for (arguments, message) in cases {
                let result = try Self.dialgate(arguments)
                let shown = arguments.joined(separator: " ")
                #expect(result.status == 2, "\(shown)")
                #expect(result.errors.contains(message), "\(shown): \(result.errors)")
                #expect(result.output.isEmpty, "\(shown) printed \(result.output)")
                #expect(!FileManager.default.fileExists(atPath: output), "\(shown) wrote \(output)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)

            // Nothing matched is not an error of the input: exit 1, as for decisions.
            let nothing = try Self.dialgate(["audit", "summary", "--run", "no-such-run"])
            #expect(nothing.status == 1 && nothing.output.isEmpty && nothing.errors.contains("no decision matched"))
        }
    }
}

/// RFC 4180 CSV as a spreadsheet reads it: quoted fields may hold commas, doubled quotes and
/// line breaks.
enum CSVText {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
        return rows
    }
}
