import DialGateAudit
import DialGateSystemd
import Foundation
import Testing

/// Entries written with `Journal.send` land in the real journald, as written, and nothing a
/// caller puts in a value can forge another field or line.
@Suite("Journal writing and reading")
struct JournalTests {
    /// A unique value to find this test's entry, and only it, in a shared journal.
    private let marker = "dg-\(UUID().uuidString)"

    @Test("journald is running for these tests")
    func journaldIsRunning() throws {
        try TestSupport.requireJournald()
    }

    @Test("an entry sent to the journal reads back through journalctl, field by field")
    func readBackWithJournalctl() async throws {
        try TestSupport.requireJournald()
        var entry = JournalEntry(message: "decision \(marker)", messageID: AuditMessageID.decision, priority: .notice)
        entry.append("DIALGATE_TEST_ID", marker)
        entry.append("DIALGATE_VERDICT", "DENY")
        entry.append("DIALGATE_REASON", "bloctel-registered")
        try Journal.send(entry)

        let fields = try await TestSupport.poll { () throws -> [String: Any]? in
            let outcome = try TestSupport.run("/usr/bin/journalctl", ["--no-pager", "-o", "json", "DIALGATE_TEST_ID=\(marker)"])
            guard outcome.status == 0, let line = outcome.standardOutput.split(separator: "\n").first else { return nil }
            return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
        let entryRead = try #require(fields, "journalctl never showed the entry within 10 s")
        #expect(entryRead["MESSAGE"] as? String == "decision \(marker)")
        #expect(entryRead["MESSAGE_ID"] as? String == AuditMessageID.decision)
        #expect(entryRead["PRIORITY"] as? String == "5")
        #expect(entryRead["DIALGATE_VERDICT"] as? String == "DENY")
        #expect(entryRead["DIALGATE_REASON"] as? String == "bloctel-registered")
        #expect(entryRead["_PID"] as? String == String(getpid()))
    }

    @Test("an entry sent to the journal reads back through JournalReader, field by field")
    func readBackWithJournalReader() async throws {
        try TestSupport.requireJournald()
        var entry = JournalEntry(message: "ledger \(marker)", messageID: AuditMessageID.ledgerRecord)
        entry.append("DIALGATE_TEST_ID", marker)
        entry.append("DIALGATE_EVENT", "opt-out")
        try Journal.send(entry)

        let fields = try await readBack(marker)
        #expect(fields["MESSAGE"] == "ledger \(marker)")
        #expect(fields["MESSAGE_ID"] == AuditMessageID.ledgerRecord)
        #expect(fields["PRIORITY"] == "6")
        #expect(fields["DIALGATE_EVENT"] == "opt-out")
    }

    @Test("a newline in a value cannot forge another field, and control characters become spaces")
    func newlineInjection() async throws {
        try TestSupport.requireJournald()
        let entry: JournalEntry = [
            "MESSAGE": "campaign x\r\nPRIORITY=0\tend\u{85}!\u{0}",
            "DIALGATE_TEST_ID": marker,
            "DIALGATE_CAMPAIGN": "spring\nDIALGATE_VERDICT=ALLOW\nMESSAGE_ID=\(AuditMessageID.started)",
        ]
        try Journal.send(entry)

        let fields = try await readBack(marker)
        #expect(fields["DIALGATE_VERDICT"] == nil)
        #expect(fields["MESSAGE_ID"] == nil)
        #expect(fields["PRIORITY"] == nil)
        #expect(fields["DIALGATE_CAMPAIGN"] == "spring DIALGATE_VERDICT=ALLOW MESSAGE_ID=\(AuditMessageID.started)")
        #expect(fields["MESSAGE"] == "campaign x  PRIORITY=0 end ! ")
    }

    @Test("a Unicode line break or a bidi control in a value becomes a space, so a field reads as one line in stored order")
    func unicodeLineBreaksAndBidiControls() async throws {
        try TestSupport.requireJournald()
        let hazards = ["\u{85}", "\u{2028}", "\u{2029}", "\u{61C}", "\u{200E}", "\u{200F}", "\u{202A}", "\u{202B}",
                       "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}"]
        let entry: JournalEntry = ["MESSAGE": "a" + hazards.joined(separator: "b") + "z", "DIALGATE_TEST_ID": marker]
        try Journal.send(entry)
        let expected = "a" + Array(repeating: " ", count: hazards.count).joined(separator: "b") + "z"
        #expect(try await readBack(marker)["MESSAGE"] == expected)
    }

    @Test("non-ASCII text in a value is kept as written")
    func unicodeKept() async throws {
        try TestSupport.requireJournald()
        let entry: JournalEntry = ["MESSAGE": "Réunion — 0692 12 34 56 ✓", "DIALGATE_TEST_ID": marker]
        try Journal.send(entry)
        #expect(try await readBack(marker)["MESSAGE"] == "Réunion — 0692 12 34 56 ✓")
    }

    @Test(
        "a field name journald would refuse or reserve is rejected before sending",
        arguments: ["", "message", "Message", "_PID", "__CURSOR", "1FIELD", "DIALGATE-REASON", "DIALGATE REASON",
                    "DIALGATE_RÉSULTAT", "MESSAGE=", String(repeating: "A", count: 65)]
    )
    func invalidFieldNameRejected(name: String) throws {
        #expect(!JournalEntry.isValidFieldName(name))
        let entry = JournalEntry(fields: [.init(name: "MESSAGE", value: "never written"), .init(name: name, value: "x")])
        #expect(throws: SystemdError.invalidFieldName(name)) {
            try Journal.send(entry)
        }
    }

    @Test(
        "a field name of capitals, digits and underscores, not leading, up to 64 characters, is valid",
        arguments: ["MESSAGE", "A", "DIALGATE_REASON", "X1", "CODE_LINE_2", String(repeating: "A", count: 64)]
    )
    func validFieldName(name: String) {
        #expect(JournalEntry.isValidFieldName(name))
    }

    @Test("an entry without fields is rejected")
    func emptyEntryRejected() {
        #expect(throws: SystemdError.emptyEntry) {
            try Journal.send(JournalEntry())
        }
    }

    @Test("a reader positioned at the tail sees the newest matching entry first going back")
    func readerFromTail() async throws {
        try TestSupport.requireJournald()
        for sequence in 1...3 {
            try Journal.send(["MESSAGE": "sequence \(sequence)", "DIALGATE_TEST_ID": marker, "DIALGATE_SEQUENCE": "\(sequence)"])
        }
        // Wait until all three are stored, then read from the end.
        _ = try await TestSupport.poll { () throws -> Bool? in
            let reader = try JournalReader()
            try reader.addMatch("DIALGATE_TEST_ID", marker)
            try reader.seekHead()
            var count = 0
            while try reader.next() != nil { count += 1 }
            return count == 3 ? true : nil
        }
        let reader = try JournalReader()
        try reader.addMatch("DIALGATE_TEST_ID", marker)
        try reader.seekTail()
        var sequences: [String] = []
        while let fields = try reader.previous() { sequences.append(fields["DIALGATE_SEQUENCE"] ?? "?") }
        #expect(sequences == ["3", "2", "1"])
    }

    /// The fields of the entry carrying `marker`, read with JournalReader; polls because
    /// journald stores entries after `Journal.send` returned.
    private func readBack(_ marker: String) async throws -> [String: String] {
        let reader = try JournalReader()
        try reader.addMatch("DIALGATE_TEST_ID", marker)
        try reader.seekHead()
        let fields = try await TestSupport.poll { () throws -> [String: String]? in
            try reader.refresh()
            return try reader.next()
        }
        return try #require(fields, "JournalReader never saw the entry within 10 s")
    }
}
