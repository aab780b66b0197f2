import DialGateClient
import DialGateProtocol
import Foundation
import Testing

/// The line breaks and bidi controls Protocol.md names (NEL and the C0/C1 controls aside).
private let lineBreaksAndBidiControls: Set<UInt32> =
    [0x85, 0x2028, 0x2029, 0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]

/// Whether `text` holds a control character, a Unicode line break or a bidi control raw.
private func holdsHazard(_ text: String) -> Bool {
    text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || lineBreaksAndBidiControls.contains($0.value) }
}

@Suite("Unicode line breaks and bidi controls against the real daemon")
struct LineHazardDaemonTests {
    @Test("an answer and a journal field never carry a line break or bidi control raw: refused raw, written as \\uXXXX")
    func answersAndJournalFieldsNeverCarryThemRaw() async throws {
        try await onOwnThread {
            let daemon = try RunningDaemon()
            let run = try daemon.auditRun()
            let connection = try daemon.client()

            // Raw in a request: refused, with what and where.
            let prefix = "CHECK 0199000040 campaign=fibre"
            let refused = try connection.ask(prefix + "\u{2028}promo id=raw")
            #expect(refused == "ERR bad-syntax class=rejected message=\"line break U+2028 at character \(prefix.count + 1)\"")
            #expect(try connection.ask("PING id=\u{202E}kcab").hasPrefix("ERR bad-syntax class=rejected message=\"bidi control U+202E at character 9\""))

            // Escaped in a request: read, and every answer writes them escaped.
            let unknown = try connection.ask(
                #"CHECK 0199000040 campaign="fibre\u2028promo" id="r\u202Eq" at=2026-11-30T10:15:00+01:00"#)
            #expect(unknown.hasPrefix(#"DENY unknown-campaign id="r\u202Eq" "#))
            #expect(unknown.hasSuffix(#" campaign="fibre\u2028promo""#))
            #expect(ResponseLine(parsing: Substring(unknown))?.fields["campaign"] == "fibre\u{2028}promo")
            #expect(
                try connection.ask(#"CONSENT 0199000064 proof="form\u2029ref \u202Eabc" given-at=2026-11-02T09:00:00Z"#)
                    .hasPrefix("OK consent class=done number=+33199000064 ledger_seq="))
            let allowed = try connection.ask("CHECK 0199000064 campaign=fibre-promo at=2026-11-30T10:15:00+01:00 id=hz2")
            #expect(allowed.hasPrefix("ALLOW consent id=hz2 "))
            #expect(allowed.contains(#" consent_proof="form\u2029ref \u202Eabc" "#))
            for answer in [refused, unknown, allowed] { #expect(!holdsHazard(answer), "\(answer.debugDescription)") }

            // The journal: the same visible escapes, never the raw characters.
            let entries = try JournalQuery.entries(matching: "DIALGATE_RUN=\(run)", atLeast: 3) {
                $0["DIALGATE_REQUEST_ID"] as? String == "hz2" || $0["DIALGATE_REQUEST_ID"] as? String == #"r\u202Eq"#
                    || $0["DIALGATE_EVENT"] as? String == "consent"
            }
            let unknownEntry = entries.first { $0["DIALGATE_REASON"] as? String == "unknown-campaign" }
            #expect(unknownEntry?["DIALGATE_REQUEST_ID"] as? String == #"r\u202Eq"#)
            #expect(unknownEntry?["DIALGATE_CAMPAIGN"] as? String == #"fibre\u2028promo"#)
            #expect((unknownEntry?["MESSAGE"] as? String)?.hasSuffix(#"campaign fibre\u2028promo"#) == true)
            let allowEntry = entries.first { $0["DIALGATE_REQUEST_ID"] as? String == "hz2" }
            #expect((allowEntry?["DIALGATE_FACTS"] as? String)?.contains(#"consent_proof="form\u2029ref \u202Eabc""#) == true)
            for entry in entries {
                for (name, value) in entry {
                    // journalctl writes a value that is not printable UTF-8 as an array of bytes.
                    #expect(value is String || value is NSNumber, "\(name) is not text")
                    if let text = value as? String { #expect(!holdsHazard(text), "\(name)=\(text.debugDescription)") }
                }
            }
        }
    }
}
