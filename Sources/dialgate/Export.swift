import ArgumentParser
import DialGateConfig
import DialGateCore
import DialGateLedger
import Foundation

/// `dialgate export`: what the dialers recorded at runtime (opt-outs, consents with their
/// proof, withdrawals), for the CRM and for another host, read from the daemon's ledger
/// without its lock and without writing to it.
///
/// `--format lists` writes the list files the daemon loads (`internal-optout` numbers and a
/// `consents` CSV), so one host seeds another; `--format csv` one CSV of every event, for a
/// CRM. Attempts, refusals and reservations are not exported: they matter only inside their
/// windows, and only to the host that counts them.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the ledger's opt-outs, consents and withdrawals as list files or CSV.",
        discussion: """
            --format lists writes ledger-optouts.txt (kind internal-optout) and ledger-consents.csv \
            (kind consents) into --output, a directory, each written whole or not at all; a \
            withdrawal ends, in the exported list, every earlier consent of its kind whatever its \
            scope (the list format has one revoked_at per consent), so a host seeded from it denies \
            more, never less. --format csv writes one file, --output, with a row per opt-out, \
            consent and withdrawal. Exit 2, nothing written, on any error.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case lists, csv
    }

    @Option(name: .long, help: "The daemon's configuration, for its state directory.")
    var config = "/etc/dialgate/dialgate.toml"

    @Option(name: .long, help: "lists or csv.")
    var format: Format

    @Option(name: .long, help: "A directory (lists) or a file (csv).")
    var output: String

    @Option(name: .customLong("as-of"), help: "The as-of date of the list files (YYYY-MM-DD; default: today in Paris).")
    var asOf: String?

    func run() throws {
        let configuration: Configuration
        do { configuration = try Configuration.load(path: config) } catch { throw fail("\(error)") }
        let ledger = try OfflineFacts.ledger(configuration)
        let numbers = ledger.numbers
        let today = FrenchCalendar.zone(for: .metropolitanFrance).map { $0.localTime(at: Date()).day.description } ?? ""
        if let asOf, CalendarDay(iso: asOf) == nil || asOf.utf8.count != 10 {
            throw fail("--as-of '\(asOf)' is not a day (YYYY-MM-DD)")
        }
        let asOfDay = asOf ?? today
        switch format {
        case .lists:
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw fail("--output \(output) is not a directory")
            }
            let optOuts = try AtomicOutput(path: output + "/ledger-optouts.txt", mode: 0o640)
            let consents = try AtomicOutput(path: output + "/ledger-consents.csv", mode: 0o640)
            optOuts.append(Array("# dialgate-list kind=internal-optout as-of=\(asOfDay) source=ledger-export\n".utf8))
            consents.append(Array("# dialgate-list kind=consents as-of=\(asOfDay) source=ledger-export\n".utf8))
            consents.append(Array("number;kind;scope;given_at;proof;revoked_at\n".utf8))
            var counts = (optOuts: 0, consents: 0)
            for (number, facts) in numbers {
                if facts.internalOptOut != nil {
                    optOuts.append(Array((number.description + "\n").utf8))
                    counts.optOuts += 1
                }
                for consent in facts.consents {
                    var ends: [Date] = facts.revocations.filter { (revocation: ConsentRevocation) in revocation.kind == consent.kind && revocation.at >= consent.givenAt }
                        .map { $0.at }
                    if let revokedAt = consent.revokedAt { ends.append(revokedAt) }
                    let revoked = ends.min()
                    let row = [
                        number.description, consent.kind.rawValue, consent.scope, ISOInstant.format(consent.givenAt),
                        consent.proof, revoked.map(ISOInstant.format) ?? "",
                    ]
                    consents.append(Array((Self.csvRow(row) + "\n").utf8))
                    counts.consents += 1
                }
            }
            _ = try optOuts.finishWriting()
            _ = try consents.finishWriting()
            try optOuts.commit()
            try consents.commit()
            print("exported optouts=\(counts.optOuts) consents=\(counts.consents) ledger_seq=\(ledger.lastSeq) into \(output)")
        case .csv:
            let file = try AtomicOutput(path: output, mode: 0o640)
            file.append(Array("event;number;at;kind;scope;proof;source\n".utf8))
            var rows = 0
            for (number, facts) in numbers {
                var events: [(Date, [String])] = []
                if let at = facts.internalOptOut {
                    events.append((at, ["optout", number.description, ISOInstant.format(at), "", "", "", facts.internalOptOutSource ?? ""]))
                }
                for consent in facts.consents {
                    events.append(
                        (consent.givenAt, ["consent", number.description, ISOInstant.format(consent.givenAt),
                            consent.kind.rawValue, consent.scope, consent.proof, ""]))
                }
                for revocation in facts.revocations {
                    events.append(
                        (revocation.at, ["revoke", number.description, ISOInstant.format(revocation.at),
                            revocation.kind.rawValue, revocation.scope, "", ""]))
                }
                for (_, row) in events.sorted(by: { $0.0 < $1.0 }) {
                    file.append(Array((Self.csvRow(row) + "\n").utf8))
                    rows += 1
                }
            }
            _ = try file.finishWriting()
            try file.commit()
            print("exported rows=\(rows) ledger_seq=\(ledger.lastSeq) into \(output)")
        }
    }

    /// A `;`-separated row, fields quoted when they hold `;`, a quote or a line break. A field
    /// a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first, not a phone number) gets
    /// a leading `'`.
    static func csvRow(_ fields: [String]) -> String {
        fields.map { field in
            var value = field
            if let first = value.first, "=+-@".contains(first), !value.dropFirst().allSatisfy(\.isNumber) {
                value = "'" + value
            }
            guard value.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ";")
    }
}
